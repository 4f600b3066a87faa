package pl.mmieszkaniec.app.screens

import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A real `mm-server --demo` on an ephemeral loopback port in its own temp
 * data dir (as the core module's `TestServer`). The binary comes from the
 * `mm.server.bin` system property, which Surefire sets.
 */
class DemoServer private constructor(private val process: Process, val url: String, val dir: File) : AutoCloseable {

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and deletes its data. */
    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        dir.deleteRecursively()
    }

    companion object {
        private val LISTENING = Regex("""mm-server listening on (http://\S+)""")

        fun start(): DemoServer {
            val bin = File(System.getProperty("mm.server.bin") ?: "../../target/debug/mm-server")
            check(bin.canExecute()) { "mm-server not found at ${bin.absolutePath}: run `cargo build --workspace`" }
            val dir = Files.createTempDirectory("mm-server-robo-").toFile()
            val process = ProcessBuilder(bin.path, "--addr", "127.0.0.1:0", "--data-dir", dir.path, "--demo")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start()
            val out = process.inputStream.bufferedReader()
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
            while (System.nanoTime() < deadline) {
                val line = out.readLine() ?: break
                val m = LISTENING.find(line) ?: continue
                // Keep draining stdout so the server never blocks on a full pipe.
                Thread({ out.useLines { lines -> lines.forEach { } } }, "mm-server-stdout").apply {
                    isDaemon = true
                    start()
                }
                return DemoServer(process, m.groupValues[1], dir)
            }
            process.destroyForcibly()
            dir.deleteRecursively()
            error("mm-server did not report its address (exit: ${if (process.isAlive) "running" else process.exitValue()})")
        }
    }
}
