package pl.mmieszkaniec.app.ui

import android.app.Application
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
    }
}
