// The pagila-bronze image's entrypoint: `spec`, `check` or `run` (see @datakit/runtime).
import { runDatakit } from '@datakit/runtime';

import { pagilaBronze } from './index.ts';

await runDatakit(pagilaBronze, process.argv.slice(2), process.env);
