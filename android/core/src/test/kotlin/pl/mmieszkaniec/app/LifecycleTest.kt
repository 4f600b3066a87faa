package pl.mmieszkaniec.app

import org.junit.jupiter.api.Test
import pl.mmieszkaniec.core.MmCore
import pl.mmieszkaniec.core.liveCoreObjects
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Objects made through the bindings are released: nothing grows over 10,000 cycles. */
class LifecycleTest {
    private fun rssKb(): Long = File("/proc/self/status").readLines()
        .first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()

    private fun openFds(): Int = File("/proc/self/fd").list()?.size ?: 0

    /** Used heap after full GCs (so garbage not yet collected is not counted). */
    private fun usedHeapKb(): Long {
        repeat(3) { System.gc(); Thread.sleep(20) }
        val rt = Runtime.getRuntime()
        return (rt.totalMemory() - rt.freeMemory()) / 1024
    }

    private data class Sample(val cycles: Int, val rssKb: Long, val heapKb: Long, val fds: Int)

    @Test
    fun `ten thousand create and close cycles leave nothing behind`() {
        val cfg = config(tempDir(), "http://127.0.0.1:1")
        val baseline = liveCoreObjects()
        // Warm up: JIT, JNA, SQLite, allocator arenas.
        repeat(500) { MmCore(cfg).use { it.serverUrl() } }

        // Each MmCore holds a SQLite connection, its page cache and an HTTP
        // client: a leak of one per cycle would add megabytes per thousand.
        val samples = mutableListOf<Sample>()
        repeat(10_000) { i ->
            MmCore(cfg).use { core ->
                if (i % 1000 == 0) assertEquals(baseline + 1u, liveCoreObjects(), "one alive inside use {}")
                core.serverUrl()
            }
            if ((i + 1) % 2000 == 0) samples += Sample(i + 1, rssKb(), usedHeapKb(), openFds())
        }
        println("create/close cycles: " + samples.joinToString { "${it.cycles}: RSS ${it.rssKb / 1024} MB, heap ${it.heapKb / 1024} MB, ${it.fds} fds" })

        assertEquals(baseline, liveCoreObjects(), "every object was freed")
        // Compare the steady state (after 2,000) with the end (after 10,000).
        val first = samples.first()
        val last = samples.last()
        val rssGrowthMb = (last.rssKb - first.rssKb) / 1024.0
        val heapGrowthMb = (last.heapKb - first.heapKb) / 1024.0
        assertTrue(last.fds - first.fds <= 4, "file descriptors leak: ${samples.map { it.fds }}")
        // RSS wanders by ±20 MB here (malloc arenas, GC); a leaked core (SQLite
        // connection + page cache + HTTP client, well over 8 KB) would add
        // more than 64 MB over 8,000 cycles.
        assertTrue(rssGrowthMb < 64, "native memory grows over 8,000 cycles: +$rssGrowthMb MB")
        assertTrue(heapGrowthMb < 8, "JVM heap grows over 8,000 cycles: +$heapGrowthMb MB")
    }

    @Test
    fun `an object closed twice or used after close fails cleanly`() {
        val core = MmCore(config(tempDir(), "http://127.0.0.1:1"))
        core.close()
        core.close()
        val e = runCatching { core.serverUrl() }.exceptionOrNull()
        assertTrue(e is IllegalStateException, "use after close: $e")
    }
}
