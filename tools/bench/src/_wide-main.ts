// The wide datakit's entrypoint, bundled by bench:load as an image's main.ts is.
import { runDatakit } from '@datakit/runtime';

import { benchWide } from './_wide-datakit.ts';

await runDatakit(benchWide(process.env), process.argv.slice(2), process.env);
