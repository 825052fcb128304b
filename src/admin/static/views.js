// The dashboard's pages. Each is (ctx) => { render(), live(overview)?, destroy()? }.
import { backends } from './view-backends.js';
import { jobs, deadLetters } from './view-ops.js';
import { overview } from './view-overview.js';
import { servers } from './view-servers.js';

export const views = { overview, backends, servers, jobs, 'dead-letters': deadLetters };
