import { Watch } from '@kubernetes/client-node';

/**
 * client-node's Watch asking for bookmarks (the API server then sends one now and then even when
 * nothing changes) and telling `onHeard` of every line that arrives, bookmarks included, so a
 * watch whose connection stays open with nothing coming can be told from a quiet one.
 */
export class HeartbeatWatch extends Watch {
  constructor(
    config: ConstructorParameters<typeof Watch>[0],
    private readonly onHeard: () => void,
  ) {
    super(config);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true },
      (phase, object, watchObject) => {
        this.onHeard();
        callback(phase, object, watchObject);
      },
      done,
    );
  }
}
