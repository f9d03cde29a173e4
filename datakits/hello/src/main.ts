// The hello datakit: answers the verbs every datakit answers, with JSON lines on stdout.
// It moves no data; it proves that an image built here runs on the platform's Node 24 base.

interface Event {
  type: 'spec' | 'log' | 'summary';
  [key: string]: unknown;
}

const NAME = process.env.DATAKIT_NAME ?? 'hello';
const VERSION = process.env.DATAKIT_VERSION ?? '0.1.0';

function emit(event: Event): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const verb = process.argv[2] ?? 'run';
switch (verb) {
  case 'spec':
    emit({ type: 'spec', name: NAME, version: VERSION, contracts: [], config: {} });
    break;
  case 'run': {
    const runId = crypto.randomUUID();
    emit({ type: 'log', level: 'info', message: `hello from ${NAME} on Node ${process.version}` });
    emit({
      type: 'summary',
      status: 'succeeded',
      runId,
      node: process.version,
      user: process.getuid?.(),
    });
    break;
  }
  default:
    process.stderr.write(`hello: unknown verb "${verb}"; expected spec or run\n`);
    process.exitCode = 2;
}
