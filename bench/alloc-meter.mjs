// Allocation meter for load.mjs, preloaded (--import) into the proxy and Tollgate: SIGUSR2 starts
// counting heap allocation, the next SIGUSR2 stops and writes the bytes allocated in between to
// $TOLLGATE_ALLOC_DIR/<pid>. Allocated = growth of the used heap between collections plus what
// each collection found in use before it ran, from v8.GCProfiler (Node >= 18.15).
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

const dir = process.env.TOLLGATE_ALLOC_DIR;
if (dir) {
  let profiler = null;
  let startUsed = 0;
  process.on('SIGUSR2', () => {
    if (!profiler) {
      profiler = new v8.GCProfiler();
      profiler.start();
      startUsed = v8.getHeapStatistics().used_heap_size;
      return;
    }
    const endUsed = v8.getHeapStatistics().used_heap_size;
    const { statistics } = profiler.stop();
    profiler = null;
    let allocated = 0;
    let prev = startUsed;
    for (const s of statistics) {
      allocated += s.beforeGC.heapStatistics.usedHeapSize - prev;
      prev = s.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += endUsed - prev;
    fs.writeFileSync(path.join(dir, String(process.pid)), `${allocated} ${statistics.length}`);
  });
}
