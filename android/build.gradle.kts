// For Android Studio users; not run by CI (see settings.gradle.kts).
plugins {
    id("com.android.application") version "8.11.1" apply false // API 36 (Play target since 31 Aug 2026); Gradle 8.13+
    id("org.jetbrains.kotlin.android") version "2.2.21" apply false
    // The `fcm` flavour's google-services.json (app/build.gradle.kts).
    id("com.google.gms.google-services") version "4.4.2" apply false
}
