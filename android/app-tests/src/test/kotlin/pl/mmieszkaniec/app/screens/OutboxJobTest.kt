package pl.mmieszkaniec.app.screens

import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.ComponentName
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Color
import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.ui.Outbox
import pl.mmieszkaniec.app.ui.OutboxJobService
import pl.mmieszkaniec.app.ui.ReportActivity
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.MyReportState
import pl.mmieszkaniec.core.ReportDraftUpdate
import java.io.ByteArrayOutputStream
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The outbox in the background, on the real core and server: a report
 * made while the server is unreachable waits, a JobScheduler job with a
 * network constraint is scheduled for it, and the job's work sends it once
 * the server is back (its own class: it stops and restarts the server).
 */
class OutboxJobTest : ScreenTest() {
    /** This test's server after its restart (the class's own is stopped by it). */
    private var restarted: DemoServer? = null

    @org.junit.After
    fun stopRestarted() {
        restarted?.stop()
    }

    @Test
    fun `a report made offline is scheduled as a network job and sent by it`() = runBlocking<Unit> {
        val repo = app.repository
        repo.sync()
        val draft = repo.createReportDraft("street_lamp")
        repo.updateReportDraft(
            draft.id,
            ReportDraftUpdate(point = GeoPoint(51.0335, 17.1500), description = "Latarnia nie świeci od tygodnia.", answers = mapOf("kind" to "not_lit")),
        )
        // Offline: the server goes away before the report is sent.
        server.stop()
        repo.submitReportDraft(draft.id)
        runCatching { repo.flushOutbox() }
        val waiting = repo.myReports().single()
        assertTrue(waiting.state != MyReportState.SENT && waiting.serverId == null, "not sent: ${waiting.state}")

        Outbox.scheduleIfPending(app, repo)
        val job = app.getSystemService(JobScheduler::class.java).allPendingJobs.single { it.id == Outbox.JOB_ID }
        @Suppress("DEPRECATION")
        assertEquals(JobInfo.NETWORK_TYPE_ANY, job.networkType, "runs only with a network")
        assertTrue(job.isPersisted, "survives a reboot")
        assertEquals(ComponentName(app, OutboxJobService::class.java), job.service)
        // Only the system may bind it.
        val declared = app.packageManager.getServiceInfo(job.service, 0)
        assertEquals("android.permission.BIND_JOB_SERVICE", declared.permission)

        // Still offline: the job asks to be run again.
        assertTrue(Outbox.send(repo), "retry while the server is unreachable")
        // The network is back: the job's work sends it, and no retry is asked.
        restarted = server.restart()
        assertEquals(false, Outbox.send(repo))
        val sent = repo.myReports().single()
        assertEquals(MyReportState.SENT, sent.state)
        val onServer = restarted!!.get("/api/v1/reports/${assertNotNull(sent.serverId)}")
        assertEquals(200, onServer.statusCode(), onServer.body())
    }
}
