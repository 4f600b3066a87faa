package pl.mmieszkaniec.app.ui

import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import android.util.Log
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.Platform
import pl.mmieszkaniec.core.initLogging
import java.io.File

/**
 * Holds the one core of the process; screens get it from here. It is
 * opened on first use and may fail to open (its storage is unusable: a
 * damaged database, a full or broken data directory). That is not a crash:
 * the screens then show [RecoveryActivity], which says why in the core's
 * words and can delete the local data and start again.
 */
class MmApplication : Application() {
    @Volatile private var opened: Repository? = null

    /** Why the core could not be opened (the core's message), while it cannot be. */
    @Volatile var openFailure: UserError? = null
        private set

    /** Posts the core's new notifications; every sync of the app reports to it. */
    val notifier: Notifier by lazy { Notifier(this) }

    /** Posts the core's due-date reminders of local taxes after every sync, refresh and change of the days. */
    val taxReminders: TaxReminderNotifier by lazy { TaxReminderNotifier(this, notifier) }

    /** Schedules the core's waste collection reminders as alarms after every sync and change. */
    val wasteReminders: WasteReminderScheduler by lazy { WasteReminderScheduler(this) }

    /** Where the core keeps its store (and the device token). */
    val coreDir: File get() = File(filesDir, "core")

    /** The core, opened now if it is not yet; null (and [openFailure] set) when it cannot be. */
    @Synchronized
    fun openCore(): Repository? {
        opened?.let { return it }
        return try {
            Repository.open(
                dataDir = coreDir,
                // null: the deployment's server, which the core knows.
                serverUrl = null,
                platform = Platform.ANDROID,
                appVersion = packageManager.getPackageInfo(packageName, 0).versionName ?: "0.1.0",
                locale = resources.configuration.locales[0].toLanguageTag(),
                syncListener = notifier,
                // After every sync (and tax change): the tax reminders posted, the waste reminders rescheduled.
                afterTaxesChange = {
                    taxReminders.postDue(it)
                    wasteReminders.reschedule(it)
                },
            ).also {
                opened = it
                openFailure = null
            }
        } catch (e: Exception) {
            // The code only: the detail may hold paths.
            val failure = e.toUserError()
            Log.e("mMieszkaniec", "the core could not be opened: ${failure.code}")
            openFailure = failure
            null
        }
    }

    /**
     * The core for screens that run once it opened ([ScreenActivity] sends
     * them to [RecoveryActivity] before otherwise).
     */
    val repository: Repository
        get() = openCore() ?: error("the core could not be opened (${openFailure?.code})")

    /**
     * "Usuń dane lokalne i zacznij od nowa": closes the core, deletes its
     * directory (whatever is there, a file included) and opens a fresh one;
     * null when even that cannot be opened.
     */
    @Synchronized
    fun deleteLocalDataAndReopen(): Repository? {
        opened?.let { runCatching { it.close() } }
        opened = null
        coreDir.deleteRecursively()
        return openCore()
    }

    override fun onCreate() {
        super.onCreate()
        // tracing -> logcat (tag "mMieszkaniec") through android_logger.
        initLogging("info")
        createNotificationChannels()
    }

    /**
     * The channels the resident sees (and can silence one by one) in the
     * system settings: alerts at high importance (they may interrupt),
     * report status changes, the gmina's feed ("Ogólne") and the due-date
     * reminders of local taxes at default. Their names follow the phone's language.
     */
    private fun createNotificationChannels() {
        val language = resources.configuration.locales[0].language
        val manager = getSystemService(NotificationManager::class.java) ?: return
        manager.createNotificationChannels(
            listOf(
                NotificationChannel(CHANNEL_ALERTS, Texts.CHANNEL_ALERTS.of(language), NotificationManager.IMPORTANCE_HIGH)
                    .apply { description = Texts.CHANNEL_ALERTS_ABOUT.of(language) },
                NotificationChannel(CHANNEL_REPORTS, Texts.CHANNEL_REPORTS.of(language), NotificationManager.IMPORTANCE_DEFAULT)
                    .apply { description = Texts.CHANNEL_REPORTS_ABOUT.of(language) },
                NotificationChannel(CHANNEL_GENERAL, Texts.CHANNEL_GENERAL.of(language), NotificationManager.IMPORTANCE_DEFAULT)
                    .apply { description = Texts.CHANNEL_GENERAL_ABOUT.of(language) },
                NotificationChannel(CHANNEL_WASTE, Texts.CHANNEL_WASTE.of(language), NotificationManager.IMPORTANCE_DEFAULT)
                    .apply { description = Texts.CHANNEL_WASTE_ABOUT.of(language) },
                NotificationChannel(CHANNEL_TAXES, Texts.CHANNEL_TAXES.of(language), NotificationManager.IMPORTANCE_DEFAULT)
                    .apply {
                        description = Texts.CHANNEL_TAXES_ABOUT.of(language)
                        // Personal data: on a locked screen only that there is a reminder.
                        lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
                    },
            ),
        )
    }

    companion object {
        const val CHANNEL_ALERTS = "alerts"
        const val CHANNEL_REPORTS = "reports"
        const val CHANNEL_TAXES = "tax_reminders"
        /** Everything else the gmina's feed brings (news, events, consultations): default importance. */
        const val CHANNEL_GENERAL = "general"
        const val CHANNEL_WASTE = "waste"
    }
}
