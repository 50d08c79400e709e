import { z } from 'zod';

/*
 * Imported first by the SPAs, whose Content-Security-Policy allows no eval:
 * zod probes `new Function` as each object schema is made, to compile faster
 * validators, and the browser reports the probe as a policy violation. So the
 * SPAs validate without compiled validators; the server keeps them.
 */
z.config({ jitless: true });
