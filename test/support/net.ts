export { freePort } from '../../stack/services/process-utils';
