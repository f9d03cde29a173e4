/**
 * Runs `work` for every item, at most one item per worker at a time, each worker taking the
 * next item when it is done. After the first failure no further item starts; the items already
 * running finish (each is a whole unit of its own, e.g. a table's transaction), then the first
 * error is thrown.
 */
export async function forEachConcurrently<TItem, TWorker>(
  items: readonly TItem[],
  workers: readonly TWorker[],
  work: (item: TItem, worker: TWorker) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const drain = async (worker: TWorker): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next] as TItem;
      next += 1;
      try {
        await work(item, worker);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(workers.slice(0, Math.max(1, items.length)).map(drain));
  if (failure !== undefined) throw failure.error;
}
