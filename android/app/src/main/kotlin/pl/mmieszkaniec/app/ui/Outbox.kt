package pl.mmieszkaniec.app.ui

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.Repository

/**
 * The outbox (reports and follows made offline) sent in the background:
 * a framework [JobScheduler] job (AndroidX WorkManager is not on Maven
 * Central) that runs once a network is up, and again with backoff while
 * something is still waiting. Persisted across a reboot.
 */
object Outbox {
    /** One job id for the app: scheduling again replaces the waiting job. */
    const val JOB_ID = 1001

    fun schedule(context: Context) {
        val scheduler = context.getSystemService(JobScheduler::class.java) ?: return
        val job = JobInfo.Builder(JOB_ID, ComponentName(context, OutboxJobService::class.java))
            .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
            .setBackoffCriteria(BACKOFF_MS, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
            .setPersisted(true)
            .build()
        scheduler.schedule(job)
    }

    /** Schedules the job when the core holds writes not yet sent. */
    suspend fun scheduleIfPending(context: Context, repo: Repository) {
        // Another gmina's writes (queued before a switch) count too: the sync sends them under their own gmina.
        val pending = runCatching { repo.status().let { it.pendingWrites + it.pendingWritesElsewhere } }.getOrDefault(0u)
        if (pending > 0u) schedule(context)
    }

    /**
     * Sends what waits; true when the job should run again (the network
     * failed, or something is still pending). Refused reports (`failed`)
     * wait for the resident to fix them, not for a retry.
     *
     * A sync rather than a bare flush: the job runs because a network is
     * back, and a sync that reaches the server sends at once the writes a
     * flush would still hold back in their network-failure backoff. The
     * sync also posts the due-date reminders of local taxes (the app's
     * [Repository] runs [TaxReminderNotifier.postDue] after every sync).
     */
    suspend fun send(repo: Repository): Boolean {
        val sent = runCatching { repo.sync() }
        if (sent.isFailure) return true
        return runCatching { repo.status().let { it.pendingWrites + it.pendingWritesElsewhere } }.getOrDefault(1u) > 0u
    }

    private const val BACKOFF_MS = 30_000L
}

/** Runs [Outbox.send]; asks to be run again when something is left or it failed. */
class OutboxJobService : JobService() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    override fun onStartJob(params: JobParameters): Boolean {
        // The core's storage is unusable: nothing to send until the resident recovers it in the app.
        val repo = (application as MmApplication).openCore() ?: return false
        scope.launch { jobFinished(params, Outbox.send(repo)) }
        return true
    }

    /** The network went away mid-flush: the core resumes where it stopped, so run again later. */
    override fun onStopJob(params: JobParameters): Boolean {
        scope.coroutineContext[kotlinx.coroutines.Job]?.children?.forEach { it.cancel() }
        return true
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }
}
