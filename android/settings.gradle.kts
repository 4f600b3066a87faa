// For Android Studio users. CI does not run Gradle (no Gradle distribution,
// no Google Maven, no Android SDK on the build machine): it builds with the
// Maven poms beside this file instead.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "mMieszkaniec"
include(":app")
