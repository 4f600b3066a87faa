// For Android Studio users; not run by CI, which compiles the same sources
// with Maven against android-all (`make compile-android`).
//
// Needs: Android SDK + NDK, `cargo install cargo-ndk`, and
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val repoRoot: File = rootDir.parentFile
val jniLibsDir = layout.projectDirectory.dir("src/main/jniLibs")

android {
    namespace = "pl.mmieszkaniec.app"
    compileSdk = 36
    // r28+: 16 KB ELF alignment by default (also forced in .cargo/config.toml).
    ndkVersion = "28.2.13676358"

    defaultConfig {
        applicationId = "pl.mmieszkaniec.app"
        // 28: accessibility headings (View.setAccessibilityHeading) and
        // ImageDecoder (HEIF photos). API 29/30 calls are guarded by SDK_INT.
        minSdk = 28
        // Play requires 36; predictive back and edge-to-edge handled in ScreenActivity.
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    // How pushes reach the phone. `unifiedpush` (the default, and what CI
    // compiles through Maven): any UnifiedPush distributor, no Google
    // services. `fcm`: Firebase Cloud Messaging (`src/fcm`: FcmService and
    // its manifest entry), for phones with Google Play services. Firebase
    // is on Google's Maven, not Maven Central, so this machine and CI cannot
    // build the `fcm` flavour; it needs `src/fcm/google-services.json` from
    // the gmina's Firebase project (not in the repository).
    flavorDimensions += "push"
    productFlavors {
        create("unifiedpush") {
            dimension = "push"
            isDefault = true
        }
        create("fcm") {
            dimension = "push"
        }
    }

    sourceSets["main"].apply {
        // The platform-free layer (Maven module `core`) and the generated bindings.
        java.srcDirs("../core/src/main/kotlin", "${repoRoot}/bindings/generated/kotlin")
        // libmm_bindings.so per ABI, written by cargoNdk below.
        jniLibs.srcDirs(jniLibsDir)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    // AGP strips the .so files when packaging (UniFFI needs no symbols at
    // run time; generation reads them from the unstripped build output).
}

kotlin {
    compilerOptions { jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17) }
}

dependencies {
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // From google() (settings.gradle.kts); the `fcm` flavour only.
    "fcmImplementation"(platform("com.google.firebase:firebase-bom:34.0.0"))
    "fcmImplementation"("com.google.firebase:firebase-messaging")
}

// The Google services plugin turns google-services.json into the Firebase
// app's resources. Applied only when the file is there, so the default
// flavour builds without a Firebase project.
if (file("src/fcm/google-services.json").exists()) {
    apply(plugin = "com.google.gms.google-services")
}

// The Rust core for each ABI, size-optimised (`--profile mobile`). Only the
// cdylib crate type: built together with the crate's `lib` type, rustc
// skips LTO (see mk/mobile.mk).
val cargoNdk by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk", "-P", "28",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniLibsDir.asFile.path,
        "rustc", "-p", "mm-bindings", "--profile", "mobile", "--lib", "--crate-type", "cdylib",
    )
}

// Kotlin sources generated from the library's UniFFI metadata.
val uniffiBindings by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine("make", "-f", "mk/mobile.mk", "bindings-debug")
}

tasks.named("preBuild") { dependsOn(cargoNdk, uniffiBindings) }
