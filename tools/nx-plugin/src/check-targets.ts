// `lint`, `test` and `test-integration` for every project, inferred so that
// `nx affected -t lint test typecheck` runs only what a change touches. The root scripts
// (`npm run lint`, `npm test`) still run everything at once; these are the same tools, filtered
// to one project's folder.
import type { TargetConfiguration } from '@nx/devkit';

/** Which targets a project gets besides `lint`: tests only where there is code to test. */
export interface CheckTargetsOptions {
  /** The project has a `src/` folder, so it may hold `*.spec.ts` files. */
  hasSource: boolean;
}

/**
 * The check targets of one project, run from the workspace root (where the ESLint, Prettier
 * and vitest configurations live):
 * - `lint`: ESLint (type-aware, module boundaries) and `prettier --check` on the project folder;
 *   cached, since its result depends only on the project's files, the types of what it imports
 *   and the two configurations.
 * - `test`: the vitest projects `unit` and `types` filtered to the project folder; no
 *   infrastructure needed. Not cached (`targetDefaults`): some specs read files of other
 *   projects (goldens, fixtures), which no input list here would name.
 * - `test-integration`: the vitest project `integration` filtered to the project folder; needs
 *   `npm run infra:up`.
 */
export function checkTargets(
  projectRoot: string,
  options: CheckTargetsOptions,
): Record<string, TargetConfiguration> {
  // A trailing slash so that `libs/deploy/` does not also select `libs/deploy-foo/`.
  const folder = `${projectRoot}/`;
  const targets: Record<string, TargetConfiguration> = {
    lint: {
      // --no-error-on-unmatched-pattern: a warehouse holds no file ESLint lints, only YAML/JSON.
      command:
        `eslint ${folder} --max-warnings 0 --no-error-on-unmatched-pattern` +
        ` && prettier --check ${folder}`,
      cache: true,
      inputs: [
        'default',
        // Built images and bundles are neither linted nor formatted.
        '!{projectRoot}/dist/**/*',
        '^production',
        '{workspaceRoot}/eslint.config.mjs',
        '{workspaceRoot}/.prettierrc.json',
        '{workspaceRoot}/.prettierignore',
        { externalDependencies: ['eslint', 'typescript-eslint', 'prettier', 'typescript'] },
      ],
      outputs: [],
      metadata: { description: 'ESLint and prettier --check on the project folder.' },
    },
  };
  if (options.hasSource) {
    targets['test'] = {
      command: `vitest run --project unit --project types --passWithNoTests ${folder}`,
      metadata: {
        description: "The project's unit and type specs (*.spec.ts), no infrastructure.",
      },
    };
    targets['test-integration'] = {
      command: `vitest run --project integration --passWithNoTests ${folder}`,
      cache: false,
      metadata: {
        description:
          "The project's integration specs (*.integration.spec.ts); needs npm run infra:up.",
      },
    };
  }
  return targets;
}
