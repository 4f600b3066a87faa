#!/bin/sh
# Compiles the `fcm` flavour's Kotlin (app/src/fcm) against stubs of the two
# Firebase classes it uses (stubs/, written from Firebase's reference), the
# app's and core's classes and android-all: Firebase itself is not on Maven
# Central, so this is the only compiler that sees FcmService here. Not part
# of `make test` (it finds its jars in ~/.m2, which `make compile-android`
# fills); run it after that: `sh android/fcm-check/check.sh`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
android=$(dirname "$here")
m2=${MAVEN_REPO:-$HOME/.m2/repository}
kotlin=2.2.21
jar() { find "$m2/$1" -name "$2" ! -name '*sources*' | sort | tail -1; }
compiler="$m2/org/jetbrains/kotlin/kotlin-compiler-embeddable/$kotlin/kotlin-compiler-embeddable-$kotlin.jar"
stdlib="$m2/org/jetbrains/kotlin/kotlin-stdlib/$kotlin/kotlin-stdlib-$kotlin.jar"
tools="$compiler:$stdlib:$m2/org/jetbrains/kotlin/kotlin-script-runtime/$kotlin/kotlin-script-runtime-$kotlin.jar"
tools="$tools:$m2/org/jetbrains/kotlin/kotlin-daemon-embeddable/$kotlin/kotlin-daemon-embeddable-$kotlin.jar"
tools="$tools:$(jar org/jetbrains/annotations 'annotations-13*.jar'):$(jar org/jetbrains/kotlin/kotlin-reflect 'kotlin-reflect-*.jar')"
tools="$tools:$(jar org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm 'kotlinx-coroutines-core-jvm-*.jar')"
version=$(sed -n 's:.*<android-all.version>\(.*\)</android-all.version>.*:\1:p' "$android/pom.xml")
classpath="$m2/org/robolectric/android-all/$version/android-all-$version.jar:$android/app/target/classes:$android/core/target/classes"
classpath="$classpath:$(jar org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm 'kotlinx-coroutines-core-jvm-*.jar'):$(jar net/java/dev/jna 'jna-5*.jar'):$stdlib"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
java -cp "$tools" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-stdlib -jvm-target 17 -cp "$classpath" \
    -d "$out" "$here/stubs" "$android/app/src/fcm/kotlin"
test -f "$out/pl/mmieszkaniec/app/push/FcmService.class"
echo "fcm flavour: FcmService compiles against the Firebase stubs"
