import { mkdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fetchBundle } from "../host/source.js";
import { checkoutBundle } from "../host/source-checkout.js";
import type { BlobStore } from "../store/index.js";
import { loadWorkflow, type LoadedWorkflow } from "../workflow/index.js";
import { copyTree, listTree, type TreeList } from "../engine/index.js";

/** Commits whose prepared source a worker keeps for the legs still to come (runs of one commit come close together). */
const KEEP = 8;

/** A run's source as the fleet tables name it: its bundle blob and the commit in it. */
export interface SourceRef {
  key: string;
  commit: string;
}

/** One commit's preparation on this worker: its bundle, its pristine checkout, its workflows as loaded. */
interface Prepared {
  dir: string;
  /** The run's bundle in a file; removed once the pristine checkout is made and no leg checks it out. */
  bundle: { file: string; fetched: Promise<string> };
  /** The pristine checkout, with its entries listed when it is small enough to copy in this process. */
  ready: Promise<{ dir: string; list?: TreeList }>;
  /** Whether `ready` resolved: a leg copies it rather than checking the bundle out. */
  done: boolean;
  /** The commit's first leg here checked the bundle out itself: the pristine checkout is made now, off that leg's way. */
  firstCloned: () => void;
  /** Legs checking the bundle out or copying the pristine checkout right now. */
  users: number;
  workflows: Map<string, Promise<LoadedWorkflow>>;
}

/**
 * The run sources a worker has prepared: one pristine checkout per commit, from which each leg
 * gets a copy of its own. The commit's first leg here checks the run's bundle out straight into its
 * workspace (two git processes on its way to its first step: src/host/source-checkout.ts) and
 * the pristine checkout is made after it from the same bundle, for the commit's next legs.
 * Snapshots of the same files share a commit (src/host/source.ts), so runs of an unchanged
 * workspace share one preparation too; a new commit gets a new one. The folder is this
 * process's alone: the worker claims it, and a start after a crash removes it.
 */
export class WorkerSources {
  /** Insertion order is use order: the first entries are the least recently used. */
  private readonly byCommit = new Map<string, Prepared>();
  /** Each preparation's own folder: one evicted may still be removed while the same commit is prepared again. */
  private made = 0;

  constructor(private readonly dir: string) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The commit's preparation, started unless it is ready or on its way. */
  private prepare(blobs: BlobStore, source: SourceRef): Prepared {
    const known = this.byCommit.get(source.commit);
    if (known) {
      this.byCommit.delete(source.commit);
      this.byCommit.set(source.commit, known);
      return known;
    }
    const dir = join(this.dir, `${source.commit.slice(0, 12)}-${++this.made}`);
    const file = `${dir}.bundle`;
    const fetched = fetchBundle(blobs, source, file).then(() => file);
    let firstCloned!: () => void;
    const first = new Promise<void>((r) => (firstCloned = r));
    const ready = fetched.then(async () => {
      await first;
      // Private (0700), as the work folder around each leg's copy (cp -a copies this mode).
      await checkoutBundle(file, dir);
      return { dir, list: listTree(dir) };
    });
    const entry: Prepared = {
      dir,
      bundle: { file, fetched },
      ready,
      done: false,
      firstCloned,
      users: 0,
      workflows: new Map(),
    };
    this.byCommit.set(source.commit, entry);
    ready.then(
      () => {
        entry.done = true;
        this.dropBundle(entry);
      },
      () => {
        // A preparation that failed is tried again by the commit's next leg.
        if (this.byCommit.get(source.commit) === entry) this.byCommit.delete(source.commit);
        void rm(dir, { recursive: true, force: true });
        void rm(file, { force: true });
      },
    );
    return entry;
  }

  /** Gives `workspace` (a new folder) its own copy of the run's source. */
  async checkout(blobs: BlobStore, source: SourceRef, workspace: string): Promise<void> {
    const entry = this.prepare(blobs, source);
    entry.users++;
    this.evict();
    try {
      if (entry.done) {
        const { dir, list } = await entry.ready;
        return await copyTree(dir, workspace, list);
      }
      // The pristine checkout is not made yet: this leg (the commit's first here, or one claimed
      // while that one checks out) checks the bundle out itself rather than waiting for two checkouts.
      try {
        await checkoutBundle(await entry.bundle.fetched, workspace);
      } finally {
        entry.firstCloned();
      }
    } finally {
      entry.users--;
      this.dropBundle(entry);
      this.evict();
    }
  }

  /** The bundle file goes once the pristine checkout is made and no leg checks it out. */
  private dropBundle(entry: Prepared): void {
    if (entry.done && !entry.users) void rm(entry.bundle.file, { force: true });
  }

  /**
   * The workflow at `path` of a leg's checkout of `source`, loaded once for the commit (its text
   * is the commit's): a 640-leg workflow is ~10 ms of parsing a leg. The legs share the loaded
   * definition as the legs of a run in one process do; each gets its own `filePath`.
   */
  async workflow(source: SourceRef, path: string, workspace: string): Promise<LoadedWorkflow> {
    const filePath = join(workspace, path);
    const workflows = this.byCommit.get(source.commit)?.workflows;
    let loaded = workflows?.get(path);
    if (!loaded) {
      const mine = loadWorkflow(filePath, workspace);
      workflows?.set(path, mine);
      mine.catch(() => workflows?.get(path) === mine && workflows.delete(path));
      loaded = mine;
    }
    return { ...(await loaded), filePath };
  }

  /** Removes every prepared source (the worker stops), once the preparations under way are over. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.byCommit.values()].map((e) => e.ready));
    this.byCommit.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The least recently used commits over KEEP go, once no leg copies them. */
  private evict(): void {
    let over = this.byCommit.size - KEEP;
    for (const [commit, entry] of this.byCommit) {
      if (over <= 0) break;
      if (entry.users) continue;
      over--;
      this.byCommit.delete(commit);
      void entry.ready.then(
        () => Promise.all([rm(entry.dir, { recursive: true, force: true }), rm(entry.bundle.file, { force: true })]),
        () => {},
      );
    }
  }
}
