package pl.mmieszkaniec.app.ui

import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.core.Platform
import pl.mmieszkaniec.core.initLogging
import java.io.File

/** Holds the one core of the process; screens get it from here. */
class MmApplication : Application() {
    val repository: Repository by lazy {
        Repository.open(
            dataDir = File(filesDir, "core"),
            platform = Platform.ANDROID,
            appVersion = packageManager.getPackageInfo(packageName, 0).versionName ?: "0.1.0",
            locale = resources.configuration.locales[0].toLanguageTag(),
        )
    }

    override fun onCreate() {
        super.onCreate()
        // tracing -> logcat (tag "mMieszkaniec") through android_logger.
        initLogging("info")
        createNotificationChannels()
    }

    /**
     * The channels the resident sees (and can silence one by one) in the
     * system settings, ready for the notifications the core produces.
     * Their names follow the phone's language.
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
            ),
        )
    }

    companion object {
        const val CHANNEL_ALERTS = "alerts"
        const val CHANNEL_REPORTS = "reports"
    }
}
