package pl.mmieszkaniec.app.screens

import android.Manifest
import android.content.pm.PackageManager
import android.location.Location
import android.location.LocationManager
import android.os.SystemClock
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.GminaPickerActivity
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.SettingsActivity
import pl.mmieszkaniec.core.GminaChoice
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The gmina picker against a real `mm-server --demo`: shown on first start
 * instead of Home while the core has no gmina, searched and chosen like a
 * resident would, by name or by "Użyj mojej lokalizacji", and reached again
 * from Settings ("Zmień gminę"). Holds for a server that serves one gmina
 * (before issue 13's `/gminas`: the core reads it as a directory of one, and
 * the first start chooses it without showing the list) and for the demo of
 * several. Names are matched as contained ("Siechnice" or "Gmina Siechnice":
 * the directory's own wording).
 */
class GminaPickerScreenTest : ScreenTest() {

    /** Pointed at the server, as in Settings, but no gmina chosen: a first start. */
    override fun pointTheAppAtTheServer() {
        runBlocking { app.repository.setServerUrl(server.url) }
    }

    /** Waits until the app asked the system for Home (a permission prompt is a started activity too). */
    private fun waitForHomeStarted() = waitUntil("Home to be started") {
        generateSequence { shadowOf(app).nextStartedActivity }.any { it.component?.className == HomeActivity::class.java.name }
    }

    private fun chosen(): String? = (runBlocking { app.repository.gminaChoice() } as? GminaChoice.Chosen)?.teryt

    @Test
    fun `a first start shows the picker instead of Home, and a choice opens Home in that gmina`() {
        launch(HomeActivity::class.java)
        assertTrue(current.isFinishing, "Home waits for a gmina")
        followTo(GminaPickerActivity::class.java)
        val several = runBlocking { app.repository.gminas("") }.gminas.size > 1
        if (several) {
            waitFor("Wybierz gminę", exact = true)
            TalkBack.check(root, headings = listOf("Wybierz gminę"))
            screenshot("gmina-picker")
            type("Nazwa gminy, powiat lub kod TERYT", "siechn")
            click("Siechnice")
        }
        // The only gmina of a deployment is chosen without a question.
        waitUntil("Home to be started") { shadowOf(app).peekNextStartedActivity() != null }
        followTo(HomeActivity::class.java)
        assertEquals(DEMO_GMINA, chosen())
        waitFor("mMieszkaniec", exact = true)
    }

    @Test
    fun `settings change the gmina through the list, found without Polish letters`() {
        runBlocking { app.repository.chooseGmina("0223032") }
        launch(SettingsActivity::class.java)
        waitFor("Gmina 0223032", exact = true)
        click("Zmień gminę", exact = true)
        val picker = followTo(GminaPickerActivity::class.java)
        assertTrue(picker.intent.getBooleanExtra(GminaPickerActivity.EXTRA_SWITCH, false))
        // Listed even when the deployment has one gmina: the resident asked.
        waitFor("Siechnice")
        waitFor("Obecnie: 0223032", exact = true)
        type("Nazwa gminy, powiat lub kod TERYT", "SIECHNICE")
        waitFor("Siechnice")
        screenshot("gmina-picker-switch")
        click("Siechnice")
        waitUntil("Home to be started") { shadowOf(app).peekNextStartedActivity() != null }
        followTo(HomeActivity::class.java)
        assertEquals(DEMO_GMINA, chosen())
    }

    @Test
    fun `use my location lists the gmina the phone is in, after asking for the permission`() {
        runBlocking { app.repository.chooseGmina("0223032") }
        val picker = launch(GminaPickerActivity::class.java, android.content.Intent().putExtra(GminaPickerActivity.EXTRA_SWITCH, true))
        waitFor("Siechnice")
        // A search that finds nothing, so only the location brings Siechnice back.
        type("Nazwa gminy, powiat lub kod TERYT", "xyzzy")
        waitFor("Nie znaleziono gminy.", exact = true)
        val lm = picker.getSystemService(LocationManager::class.java)
        shadowOf(lm).setProviderEnabled(LocationManager.NETWORK_PROVIDER, true)
        // Siechnice's town hall.
        shadowOf(lm).setLastKnownLocation(
            LocationManager.NETWORK_PROVIDER,
            Location(LocationManager.NETWORK_PROVIDER).apply {
                latitude = 51.0335
                longitude = 17.15
                accuracy = 50f
                time = System.currentTimeMillis()
                elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
            },
        )
        click("Użyj mojej lokalizacji", exact = true)
        val asked = assertNotNull(shadowOf(picker).lastRequestedPermission, "the location permission is asked for")
        assertTrue(Manifest.permission.ACCESS_COARSE_LOCATION in asked.requestedPermissions)
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_COARSE_LOCATION)
        picker.onRequestPermissionsResult(
            asked.requestCode, asked.requestedPermissions,
            IntArray(asked.requestedPermissions.size) { PackageManager.PERMISSION_GRANTED },
        )
        waitUntil("the gminas at the phone's position") {
            val shown = shownViews().flatMap { it.reads() }
            shown.any { it.contains("Siechnice") } && "Obecnie: 0223032" in shown
        }
        click("Siechnice")
        waitForHomeStarted()
        assertIs<GminaChoice.Chosen>(runBlocking { app.repository.gminaChoice() })
        assertEquals(DEMO_GMINA, chosen())
    }

    @Test
    fun `with the demo's neighbour the first start lists both gminas and a search finds one without Polish letters`() {
        DemoServer.start(neighbour = true).use { two ->
            runBlocking { app.repository.setServerUrl(two.url) }
            launch(HomeActivity::class.java)
            assertTrue(current.isFinishing, "Home waits for a gmina")
            followTo(GminaPickerActivity::class.java)
            waitFor("Siechnice")
            waitFor("Czernica")
            TalkBack.check(root, headings = listOf("Wybierz gminę"))
            screenshot("gmina-picker")
            type("Nazwa gminy, powiat lub kod TERYT", "czern")
            waitUntil("only Czernica listed") { findView("Siechnice") == null }
            click("Czernica")
            waitUntil("Home to be started") { shadowOf(app).peekNextStartedActivity() != null }
            followTo(HomeActivity::class.java)
            assertEquals("0223032", chosen())
        }
    }
}
