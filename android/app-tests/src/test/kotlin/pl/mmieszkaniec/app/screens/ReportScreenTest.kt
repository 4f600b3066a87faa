package pl.mmieszkaniec.app.screens

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.location.Location
import android.location.LocationManager
import android.net.Uri
import android.os.SystemClock
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.ReportActivity
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * A street-lamp report made the way a resident makes it: the category, the
 * phone's position (LocationManager, shadowed: the permission dialog is
 * answered "allow" and the GPS reports a fix), a photo from the gallery (a
 * JPEG handed back as the picker's result through the ContentResolver), the
 * required answer, a description, the review, and sending it to the server.
 */
class ReportScreenTest : ScreenTest() {

    @Test
    fun `a report with GPS position and a gallery photo reaches the server`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Zgłoś problem", exact = true)
        val report = followTo(ReportActivity::class.java)

        click("Awaria latarni")
        waitFor("Gdzie to jest?", exact = true)

        // The GPS is on and has a fix near the town hall; the app must ask first.
        val lm = report.getSystemService(LocationManager::class.java)
        shadowOf(lm).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        shadowOf(lm).simulateLocation(fix(51.03350, 17.15000, accuracyM = 8f))
        click("Użyj mojej lokalizacji", exact = true)
        val asked = shadowOf(report).lastRequestedPermission
        assertNotNull(asked, "the location permission is asked for")
        assertTrue(Manifest.permission.ACCESS_FINE_LOCATION in asked.requestedPermissions)
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        report.onRequestPermissionsResult(
            asked.requestCode, asked.requestedPermissions,
            IntArray(asked.requestedPermissions.size) { PackageManager.PERMISSION_GRANTED },
        )
        waitFor("51.03350, 17.15000 (z GPS, dokładność ±8 m)", exact = true)
        TalkBack.check(root, headings = listOf("Gdzie to jest?"))
        screenshot("report-location")
        click("Dalej", exact = true)

        // The gallery: the app asks for an image; the picker answers with a JPEG.
        waitFor("Wybierz z galerii", exact = true)
        click("Wybierz z galerii", exact = true)
        val pick = shadowOf(report).nextStartedActivityForResult
        assertEquals(Intent.ACTION_GET_CONTENT, pick.intent.action)
        assertEquals("image/*", pick.intent.type)
        val photo = Uri.parse("content://media/picker/0/com.android.providers.media.photopicker/media/1000")
        val jpeg = testJpeg()
        shadowOf(app.contentResolver).registerInputStreamSupplier(photo) { ByteArrayInputStream(jpeg) }
        shadowOf(report).receiveResult(pick.intent, Activity.RESULT_OK, Intent().setData(photo))
        waitFor("Zdjęcie 1", exact = true)
        TalkBack.check(root, headings = listOf("Zdjęcia"))
        screenshot("report-photo")
        click("Dalej", exact = true)

        waitFor("Rodzaj problemu (wymagane)", exact = true)
        click("Nie świeci", exact = true)
        click("Dalej", exact = true)

        waitFor("Opis", exact = true)
        type("Opisz problem", "Latarnia przy skrzyżowaniu nie świeci od trzech dni.")
        click("Dalej", exact = true)

        waitFor("Sprawdź i wyślij", exact = true)
        waitFor("Kategoria: Awaria latarni", exact = true)
        waitFor("Zdjęcia: 1", exact = true)
        waitFor("Rodzaj problemu: Nie świeci", exact = true)
        TalkBack.check(root, headings = listOf("Sprawdź i wyślij"))
        screenshot("report-review")
        click("Wyślij zgłoszenie", exact = true)
        waitFor("Dziękujemy!", exact = true)

        // Sent: the server gave it its number.
        waitUntil("the server to accept the report") {
            runBlocking { app.repository.myReports() }.singleOrNull()?.serverId != null
        }
        val sent = runBlocking { app.repository.myReports() }.single()
        assertEquals("street_lamp", sent.category)
        assertEquals(1u, sent.photoCount)
        assertEquals(mapOf("kind" to "not_lit"), sent.answers)
    }

    private fun fix(lat: Double, lon: Double, accuracyM: Float) = Location(LocationManager.GPS_PROVIDER).apply {
        latitude = lat
        longitude = lon
        accuracy = accuracyM
        time = System.currentTimeMillis()
        elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
    }

    /** A 1600×1200 JPEG drawn and encoded by the Android graphics stack (native mode). */
    private fun testJpeg(): ByteArray {
        val bitmap = Bitmap.createBitmap(1600, 1200, Bitmap.Config.ARGB_8888)
        val canvas = Canvas(bitmap)
        canvas.drawColor(Color.rgb(0x1E, 0x2A, 0x44))
        val paint = Paint(Paint.ANTI_ALIAS_FLAG).apply { color = Color.rgb(0x99, 0x99, 0x99) }
        canvas.drawRect(780f, 300f, 820f, 1200f, paint)
        paint.color = Color.rgb(0x55, 0x55, 0x55)
        canvas.drawCircle(800f, 280f, 60f, paint)
        return ByteArrayOutputStream().use { out ->
            check(bitmap.compress(Bitmap.CompressFormat.JPEG, 90, out))
            out.toByteArray()
        }
    }
}
