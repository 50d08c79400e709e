import { z } from 'zod';

export const signInInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, 'Enter your email')
    .max(254, 'That email is too long')
    .email('Enter a valid email'),
  password: z.string().min(1, 'Enter your password').max(200, 'That password is too long'),
});
