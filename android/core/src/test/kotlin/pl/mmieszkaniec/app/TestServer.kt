package pl.mmieszkaniec.app

import pl.mmieszkaniec.core.CoreConfig
import pl.mmieszkaniec.core.MmCore
import pl.mmieszkaniec.core.Platform
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A real `mm-server --demo` on an ephemeral loopback port, in its own temp
 * data dir. The binary comes from the `mm.server.bin` system property
 * (Surefire sets it; default `target/debug/mm-server` of the workspace).
 */
class TestServer private constructor(
    private val process: Process,
    val url: String,
    val dir: File,
    /** Every line the server printed (the demo's activation code among them). */
    private val output: java.util.concurrent.CopyOnWriteArrayList<String>,
) :
    AutoCloseable {

    val isAlive: Boolean get() = process.isAlive

    /** Stops the server (SIGTERM) and waits for it to go; keeps its data dir for [restart]. */
    fun stop() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    /** The same data dir on the same address (after [stop]). */
    fun restart(): TestServer = start(dir, url.removePrefix("http://").trimEnd('/'))

    /** Stops the server and deletes its data. */
    override fun close() {
        stop()
        dir.deleteRecursively()
    }

    /** `mm-server user add` on this server's database: an official's account. */
    fun addUser(login: String, role: String, password: String) {
        val p = ProcessBuilder(
            binary().path, "user", "add", "--login", login, "--role", role, "--password-stdin", "--data-dir", dir.path,
        ).redirectErrorStream(true).start()
        p.outputStream.bufferedWriter().use { it.write(password + "\n") }
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) { "user add failed: $out" }
    }

    /**
     * The activation code the demo prints to try the taxes with (issue 14:
     * `XXXX-XXXX-XXXX`, `mm_protocol::taxes::activation::format_code`);
     * waits up to [timeoutMs] for it. One-time: a second link with it fails.
     */
    fun activationCode(timeoutMs: Long = 20_000): String {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            output.firstNotNullOfOrNull { ACTIVATION_CODE.find(it)?.value }?.let { return it }
            check(System.nanoTime() < deadline) { "the demo printed no activation code:\n" + output.joinToString("\n") }
            Thread.sleep(50)
        }
    }

    /**
     * The one-time codes the demo's `--sms log` gateway printed (the
     * participatory budget's SMS step), oldest first.
     */
    fun smsCodes(): List<String> = output.mapNotNull { SMS_CODE.find(it)?.groupValues?.get(1) }

    /** Waits up to [timeoutMs] for the code after the first [seen] ones. */
    fun nextSmsCode(seen: Int, timeoutMs: Long = 20_000): String {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            smsCodes().getOrNull(seen)?.let { return it }
            check(System.nanoTime() < deadline) { "the demo printed no SMS code" }
            Thread.sleep(50)
        }
    }

    companion object {
        private val SMS_CODE = Regex("""Kod do głosowania w budżecie obywatelskim: (\d+)""")
        private val LISTENING = Regex("""mm-server listening on (http://\S+)""")
        private val ACTIVATION_CODE = Regex("""\b[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b""")

        fun binary(): File {
            val path = System.getProperty("mm.server.bin") ?: "../../target/debug/mm-server"
            val f = File(path)
            check(f.canExecute()) { "mm-server not found at ${f.absolutePath}: run `cargo build -p mm-server`" }
            return f
        }

        /** [neighbour]: the demo's second gmina too (Czernica, `--demo-neighbour`). */
        fun start(
            dir: File = Files.createTempDirectory("mm-server-").toFile(),
            addr: String = "127.0.0.1:0",
            neighbour: Boolean = false,
        ): TestServer {
            val args = listOf(binary().path, "--addr", addr, "--data-dir", dir.path, "--demo") +
                (if (neighbour) listOf("--demo-neighbour") else emptyList())
            // Every test's phone registers from 127.0.0.1, and the shared
            // server serves the whole JVM run: past the default 60 an hour the
            // next registration is a 429 and that test's writes stay queued.
            val process = ProcessBuilder(args)
                .apply { environment()["MM_RATE_REGISTRATIONS_PER_HOUR"] = "100000" }
                .start()
            val out = process.inputStream.bufferedReader()
            val lines = java.util.concurrent.CopyOnWriteArrayList<String>()
            // stderr (the log, and the demo's notes: its activation code) is
            // drained whole; only the codes' lines are kept (the activation
            // code, the budget's SMS codes).
            Thread({
                // A stopped server's pipe may be closed under the reader: that is its end too.
                try {
                    process.errorStream.bufferedReader().useLines { log -> log.filter { ACTIVATION_CODE.containsMatchIn(it) || SMS_CODE.containsMatchIn(it) }.forEach { lines += it } }
                } catch (_: java.io.IOException) {
                }
            }, "mm-server-stderr").apply {
                isDaemon = true
                start()
            }
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
            while (System.nanoTime() < deadline) {
                val line = out.readLine() ?: break
                lines += line
                val m = LISTENING.find(line) ?: continue
                // Keep draining stdout so the server never blocks on a full pipe.
                Thread({ out.useLines { rest -> rest.forEach { lines += it } } }, "mm-server-stdout").apply {
                    isDaemon = true
                    start()
                }
                return TestServer(process, m.groupValues[1], dir, lines)
            }
            process.destroyForcibly()
            error("mm-server did not report its address (exit: ${if (process.isAlive) "running" else process.exitValue()})")
        }

        /** One demo server for the whole JVM (read-only tests share it). */
        val shared: TestServer by lazy {
            start().also { s -> Runtime.getRuntime().addShutdownHook(Thread { s.close() }) }
        }
    }
}

fun tempDir(prefix: String = "mm-core-"): File = Files.createTempDirectory(prefix).toFile().apply { deleteOnExit() }

/** The demo's first gmina (Siechnice): the tests' cores open it unless a test is about choosing. */
const val DEMO_GMINA = "0223083"

fun config(dataDir: File, url: String) = CoreConfig(dataDir.path, url, Platform.ANDROID, "1.0.0", "pl-PL", DEMO_GMINA)

/** [Repository.open] with the demo's gmina chosen, as a resident would have chosen it. */
fun openRepository(dataDir: File, serverUrl: String?, locale: String? = "pl-PL"): Repository =
    Repository.open(dataDir, serverUrl, locale = locale, gmina = DEMO_GMINA)

fun openCore(url: String, dataDir: File = tempDir()): MmCore = MmCore(config(dataDir, url))
