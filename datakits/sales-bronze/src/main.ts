// The sales-bronze image's entrypoint: `spec`, `check` or `run` (see @datakit/runtime).
import { runDatakit } from '@datakit/runtime';

import { salesBronze } from './index.ts';

await runDatakit(salesBronze, process.argv.slice(2), process.env);
