// First, before any schema is made: our Content-Security-Policy allows no eval.
import '@gatehouse/domain/browser';
import { startApp } from '@gatehouse/ui';
import '@gatehouse/ui/styles.css';
import { routes } from './routes';

startApp(routes);
