/**
 * Runs `work` over `items` with at most `limit` in flight. The first failure aborts `controller`
 * (so the others stop early) but every started task is awaited before the first error is rethrown:
 * nothing is left writing into the cache when the caller sees the failure.
 */
export async function runPool<T, R>(items: readonly T[], limit: number, controller: AbortController, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          controller.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
