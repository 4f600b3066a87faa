package pl.mmieszkaniec.app.bench

import kotlinx.coroutines.runBlocking
import pl.mmieszkaniec.app.TestServer
import pl.mmieszkaniec.app.startDay
import pl.mmieszkaniec.app.openCore
import pl.mmieszkaniec.app.tempDir
import pl.mmieszkaniec.core.MmCore
import pl.mmieszkaniec.core.liveCoreObjects

/**
 * `make bench-kotlin`: what a call from Kotlin into the Rust core costs
 * (JNA + UniFFI lowering/lifting), and how long each screen's data takes
 * through the bindings. Figures, not assertions. Run it on the shipped
 * (mobile-profile) library: `-Djna.library.path=target/mobile`.
 */
fun main() {
    val iterations = (System.getProperty("bench.iterations") ?: "200000").toInt()
    println("== Kotlin -> Rust round trip (JNA, UniFFI 0.32), $iterations calls each after warm-up ==")
    println("library: ${System.getProperty("jna.library.path")}")

    TestServer.start().use { server ->
        openCore(server.url, tempDir("mm-bench-")).use { core ->
            val t0 = System.nanoTime()
            runBlocking { core.sync() }
            println("first full sync of the demo data: %.1f ms".format((System.nanoTime() - t0) / 1e6))

            report("free function  liveCoreObjects()", iterations) { liveCoreObjects() }
            report("object method  serverUrl() -> String", iterations) { core.serverUrl() }
            report("object method  unreadNotificationCount() -> UInt (SQLite read)", iterations) { core.unreadNotificationCount() }

            println()
            println("== one call per screen (local store, after sync), 2000 calls each ==")
            val next = core.upcomingEvents(1u, null).single()
            val day = next.startDay.toString()
            screens(core, next.eventId, next.startDay.year, next.startDay.monthValue, day).forEach { (name, call) ->
                report(name, 2000, warmup = 200, call = call)
            }
        }
    }
}

private fun screens(core: MmCore, eventId: Long, year: Int, month: Int, day: String): List<Pair<String, () -> Any>> = listOf(
    "home()" to { core.home() },
    "news()" to { core.news() },
    "upcomingEvents(100)" to { core.upcomingEvents(100u, null) },
    "event(id)" to { core.event(eventId) },
    "month(y, m)" to { core.month(year, month.toUInt()) },
    "eventsBetween(day, day)" to { core.eventsBetween(day, day, null) },
    "search(\"zlobek\")" to { core.search("zlobek", 30u) },
    "eventIcs(id)" to { core.eventIcs(eventId) },
    "status()" to { core.status() },
)

private var sink = 0

private fun report(name: String, n: Int, warmup: Int = 50_000, call: () -> Any) {
    repeat(warmup) { sink += call().hashCode() }
    val ns = LongArray(n)
    for (i in 0 until n) {
        val s = System.nanoTime()
        val r = call()
        ns[i] = System.nanoTime() - s
        sink += r.hashCode()
    }
    ns.sort()
    fun us(q: Double) = ns[((n - 1) * q).toInt()] / 1000.0
    println("%-34s median %8.2f µs   p99 %8.2f µs   max %9.1f µs".format(name, us(0.5), us(0.99), ns.last() / 1000.0))
}
