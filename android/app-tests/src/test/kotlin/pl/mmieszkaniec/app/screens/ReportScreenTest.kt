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
import android.provider.MediaStore
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import android.widget.EditText
import android.widget.RadioButton
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.MyReportsActivity
import pl.mmieszkaniec.app.ui.ReportActivity
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.ReportDraftUpdate
import java.nio.file.Files
import kotlin.test.fail
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
 * required answer, a description, the review with a neighbour's report 10 m
 * away offered instead, and sending it anyway. The server must have it;
 * an official answers; "My reports" shows the answer.
 */
class ReportScreenTest : ScreenTest() {

    /** Inside the gmina, by the library in Siechnice. */
    private val lampLat = 51.03350
    private val lampLon = 17.15000
    private val neighbourSays = "Latarnia przy bibliotece nie świeci od wczoraj."

    /** A neighbour's phone (its own core) reports the same lamp first, 10 m away. */
    private fun neighbourReportsTheLamp() = runBlocking {
        Repository.open(Files.createTempDirectory("mm-neighbour-").toFile(), server.url, gmina = DEMO_GMINA).use { neighbour ->
            neighbour.sync()
            val d = neighbour.createReportDraft("street_lamp")
            neighbour.updateReportDraft(
                d.id,
                ReportDraftUpdate(point = GeoPoint(lampLat + 0.00009, lampLon), description = neighbourSays, answers = mapOf("kind" to "not_lit")),
            )
            neighbour.submitReportDraft(d.id)
            neighbour.sync()
            check(neighbour.myReports().single().serverId != null) { "the neighbour's report was not sent" }
        }
    }

    @Test
    fun `a report with GPS position and a gallery photo reaches the server, and the official's reply shows in my reports`() {
        neighbourReportsTheLamp()
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Zgłoś problem", exact = true)
        val report = followTo(ReportActivity::class.java)

        waitFor("Co chcesz zgłosić?", exact = true)
        TalkBack.check(root, headings = listOf("Co chcesz zgłosić?"))
        // On the first step Back leaves the screen: no callback, so the system animates it (predictive back).
        if (android.os.Build.VERSION.SDK_INT >= 33) assertEquals(null, topBackCallback(), "no callback on the first step")
        screenshot("report-category")
        click("Awaria latarni")
        waitFor("Gdzie to jest?", exact = true)

        // The GPS is on and has a fix near the library; the app must ask first.
        val lm = report.getSystemService(LocationManager::class.java)
        shadowOf(lm).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        shadowOf(lm).simulateLocation(fix(lampLat, lampLon, accuracyM = 8f))
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

        // The camera: the app hands it a file of its own (content://, write granted)
        // and reads it back; nothing goes through the gallery.
        click("Zrób zdjęcie", exact = true)
        val capture = shadowOf(report).nextStartedActivityForResult
        assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, capture.intent.action)
        @Suppress("DEPRECATION")
        val output = assertNotNull(capture.intent.getParcelableExtra<Uri>(MediaStore.EXTRA_OUTPUT))
        assertEquals("pl.mmieszkaniec.app.files", output.authority)
        assertTrue(capture.intent.flags and Intent.FLAG_GRANT_WRITE_URI_PERMISSION != 0, "the camera may write it")
        app.contentResolver.openOutputStream(output)!!.use { it.write(testJpeg(night = false)) }
        shadowOf(report).receiveResult(capture.intent, Activity.RESULT_OK, null)
        waitFor("Zdjęcie 2", exact = true)
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
        waitFor("Zdjęcia: 2", exact = true)
        waitFor("Rodzaj problemu: Nie świeci", exact = true)
        // The duplicate warning: the neighbour's report, with its distance, and "follow instead".
        waitFor("To może już być zgłoszone — obserwuj zamiast tego?", exact = true)
        waitFor(neighbourSays)
        assertNotNull(findView("Obserwuj zgłoszenie nr"), "following the neighbour's report is offered")
        TalkBack.check(root, headings = listOf("Sprawdź i wyślij", "To może już być zgłoszone — obserwuj zamiast tego?"))
        screenshot("report-review")
        click("Wyślij mimo to", exact = true)
        waitFor("Dziękujemy!", exact = true)
        // Now there is a reason to be told of its fate: Android 13+ asks for notifications.
        val notifications = shadowOf(report).lastRequestedPermission
        assertTrue(Manifest.permission.POST_NOTIFICATIONS in notifications.requestedPermissions, "POST_NOTIFICATIONS asked")
        TalkBack.check(root, headings = listOf("Dziękujemy!"))
        screenshot("report-sent")

        // Sent: the server has it, under the number the app got.
        waitUntil("the server to accept the report") {
            runBlocking { app.repository.myReports() }.singleOrNull()?.serverId != null
        }
        val sent = runBlocking { app.repository.myReports() }.single()
        assertEquals("street_lamp", sent.category)
        assertEquals(2u, sent.photoCount)
        assertEquals(mapOf("kind" to "not_lit"), sent.answers)
        val onServer = server.get("/api/v1/reports/${sent.serverId}")
        assertEquals(200, onServer.statusCode(), onServer.body())
        assertTrue("Latarnia przy skrzyżowaniu nie świeci od trzech dni." in onServer.body(), onServer.body())

        // An official accepts it with a public reply in the back office's API.
        server.addUser("dyspozytor", "dispatcher", "tajne-haslo-123")
        val token = server.login("dyspozytor", "tajne-haslo-123")
        val reply = "Dziękujemy, ekipa wymieni oprawę w tym tygodniu."
        val moved = server.post("/api/v1/reports/${sent.serverId}/status", """{"status":"accepted","public_reply":"$reply"}""", token)
        assertEquals(200, moved.statusCode(), moved.body())

        // "My reports" opens on this report and syncs: the reply is there.
        click("Moje zgłoszenia", exact = true)
        followTo(MyReportsActivity::class.java)
        waitFor(reply, exact = true)
        waitFor("Historia", exact = true)
        assertNotNull(findView("Przyjęte"), "the new status, in the core's words")
        TalkBack.check(root, headings = listOf("Awaria latarni nr ${sent.serverId}", "Historia"))
        screenshot("my-report-reply")

        // Back (the system's) goes to the list first, not out of the screen.
        pressBack()
        waitFor("Awaria latarni nr ${sent.serverId}", exact = true)
        assertTrue(findView(reply, exact = true) == null, "the list, not the report")
        TalkBack.check(root, headings = listOf("Moje zgłoszenia"))
        screenshot("my-reports")
    }

    @Test
    fun `the report wizard keeps its step, its draft and what is typed across rotations`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Zgłoś problem", exact = true)
        followTo(ReportActivity::class.java)
        click("Awaria latarni")
        waitFor("Gdzie to jest?", exact = true)
        if (android.os.Build.VERSION.SDK_INT >= 33) {
            assertTrue(predictiveBackEnabled(), "the manifest opts in to predictive back")
            assertNotNull(topBackCallback(), "inside the wizard Back is the screen's (a step back)")
        }

        // Typed but not yet set: the fields keep it through a rotation.
        type("Szerokość geograficzna", "51.03350")
        type("Długość geograficzna", "17.15000")
        rotate()
        waitFor("Gdzie to jest?", exact = true)
        waitFor("Krok 1 z 5", exact = true)
        assertEquals("51.03350", fieldText("Szerokość geograficzna"))
        assertEquals("17.15000", fieldText("Długość geograficzna"))
        click("Ustaw współrzędne", exact = true)
        waitFor("51.03350, 17.15000 (pinezka)", exact = true)
        click("Dalej", exact = true)
        click("Dalej bez zdjęcia", exact = true)

        waitFor("Rodzaj problemu (wymagane)", exact = true)
        click("Nie świeci", exact = true)
        rotate()
        waitFor("Szczegóły", exact = true)
        TalkBack.check(root, headings = listOf("Szczegóły", "Rodzaj problemu (wymagane)"))
        val choice = shownViews().filterIsInstance<RadioButton>().single { it.text == "Nie świeci" }
        assertTrue(choice.isChecked, "the chosen answer is still chosen")
        click("Dalej", exact = true)

        waitFor("Opis", exact = true)
        type("Opisz problem", "Latarnia miga i gaśnie co kilka minut.")
        rotate()
        waitFor("Opis", exact = true)
        assertEquals("Latarnia miga i gaśnie co kilka minut.", fieldText("Opisz problem"))
        TalkBack.check(root, headings = listOf("Opis"))
        screenshot("report-description-landscape")

        // Back goes one step back, not out of the report.
        pressBack()
        waitFor("Szczegóły", exact = true)
        click("Dalej", exact = true)
        click("Dalej", exact = true)
        waitFor("Sprawdź i wyślij", exact = true)
        waitFor("Latarnia miga i gaśnie co kilka minut.", exact = true)
        // One draft all along: the rotations neither lost it nor made a second.
        assertEquals(1, runBlocking { app.repository.reportDrafts() }.size)
    }

    private fun fieldText(label: String): String =
        shownViews().filterIsInstance<EditText>().firstOrNull { f -> f.hint?.toString()?.contains(label) == true || labelOf(f)?.contains(label) == true }
            ?.text?.toString() ?: fail("no field \"$label\"; on screen: ${screenText()}")

    private fun fix(lat: Double, lon: Double, accuracyM: Float) = Location(LocationManager.GPS_PROVIDER).apply {
        latitude = lat
        longitude = lon
        accuracy = accuracyM
        time = System.currentTimeMillis()
        elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
    }

    /** A 1600×1200 JPEG (a lamp at night, or by day) drawn and encoded by the Android graphics stack (native mode). */
    private fun testJpeg(night: Boolean = true): ByteArray {
        val bitmap = Bitmap.createBitmap(1600, 1200, Bitmap.Config.ARGB_8888)
        val canvas = Canvas(bitmap)
        canvas.drawColor(if (night) Color.rgb(0x1E, 0x2A, 0x44) else Color.rgb(0x9C, 0xC4, 0xE4))
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
