package pl.mmieszkaniec.app.screens

import android.Manifest
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.view.View
import android.widget.RadioButton
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.QrCodeView
import pl.mmieszkaniec.app.ui.SettingsActivity
import pl.mmieszkaniec.app.ui.TaxDetailActivity
import pl.mmieszkaniec.app.ui.TaxesActivity
import java.time.LocalDate
import java.time.ZoneId
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Local taxes on screen against a real `mm-server --demo` (its tax register,
 * the activation code it prints, its sandbox gateway): the link form and a
 * wrong code refused; linked, the household's liabilities; one opened with
 * its QR drawn module for module as the core encoded it; "Zapłać" opening
 * the gateway's page, paid there, the result and the confirmation back in
 * the app; the reminder days in Settings.
 */
class TaxesScreenTest : ScreenTest() {

    private fun openTaxes(): TaxesActivity {
        launch(HomeActivity::class.java)
        click("Podatki i opłaty", exact = true)
        return followTo(TaxesActivity::class.java)
    }

    @Test
    fun `not linked, the code form, and a wrong code refused in words`() {
        openTaxes()
        waitFor("Kod aktywacyjny", exact = true)
        waitFor("kodem aktywacyjnym")
        val field = shownViews().filterIsInstance<android.widget.EditText>().single()
        assertEquals("Kod aktywacyjny", labelOf(field), "the field is labelled for TalkBack")
        TalkBack.check(root, headings = listOf("Podatki i opłaty"))
        screenshot("taxes-link")

        type("Kod aktywacyjny", "AAAA-BBBB-CCCC")
        click("Połącz", exact = true)
        // The core's words for invalid_activation_code, announced at once.
        var shown: View? = null
        waitUntil("the refusal") {
            shown = shownViews().firstOrNull { it.accessibilityLiveRegion == View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE && it.reads().isNotEmpty() }
            shown != null
        }
        assertTrue(shown!!.reads().single().contains("kod", ignoreCase = true), shown!!.reads().toString())
        assertEquals("AAAA-BBBB-CCCC", field.text.toString(), "what was typed stays to be fixed")
        screenshot("taxes-link-wrong-code")
    }

    @Test
    fun `linked, the household's liabilities, one with its QR, paid through the gateway with its confirmation`() {
        val taxes = openTaxes()
        waitFor("Kod aktywacyjny", exact = true)
        type("Kod aktywacyjny", server.activationCode())
        click("Połącz", exact = true)
        waitFor("Należności", exact = true)
        waitUntil("the refresh") { findView("Synchronizacja…") == null }
        // Linked: the notification permission is asked for (the due-date reminders); the system's dialog, left unanswered.
        waitUntil("the notification permission to be asked for") { shadowOf(taxes).lastRequestedPermission != null }
        assertTrue(Manifest.permission.POST_NOTIFICATIONS in shadowOf(taxes).lastRequestedPermission.requestedPermissions)
        assertEquals("android.content.pm.action.REQUEST_PERMISSIONS", shadowOf(app).nextStartedActivity?.action)
        val screen = runBlocking { app.repository.taxesScreen(LocalDate.now(ZoneId.of("Europe/Warsaw"))) }
        assertTrue(screen.liabilities.isNotEmpty())
        waitFor("Razem do zapłaty: " + screen.totalText, exact = true)
        // Each row read as one sentence: kind, taxpayer, due date, total, status.
        screen.liabilities.take(3).forEach { l ->
            waitFor("${l.taxpayerName}. ${l.dueText}. Do zapłaty: ${l.totalText}. ${l.statusText}.")
        }
        screen.taxpayers.forEach { waitFor("Odłącz podatnika ${it.name}", exact = true) }
        TalkBack.check(root, headings = listOf("Podatki i opłaty", "Należności", "Podatnicy"))
        screenshot("taxes")
        assertTrue(taxes === current)

        // The one with the most to pay.
        val owed = screen.liabilities.maxBy { it.totalGrosze }
        click("${owed.taxpayerName}. ${owed.dueText}. Do zapłaty: ${owed.totalText}")
        followTo(TaxDetailActivity::class.java)
        waitFor("Do zapłaty: " + owed.totalText, exact = true)
        val detail = runBlocking { app.repository.taxLiability(owed.id, LocalDate.now(ZoneId.of("Europe/Warsaw"))) }
        val qr = shownViews().filterIsInstance<QrCodeView>().single()
        waitUntil("the QR drawn") { qr.width > 0 && qr.moduleCount > 0 }
        assertQrDrawnAsTheCoreEncodedIt(qr, detail.qrSize.toInt(), detail.qrModules)
        assertTrue(qr.width >= qr.resources.displayMetrics.density * 48, "large enough to scan")
        assertTrue(qr.contentDescription.toString().startsWith("Kod QR do przelewu"), "${qr.contentDescription}")
        detail.amountNote?.let { note ->
            waitFor(note, exact = true)
            assertTrue(!detail.amountInCode)
        }
        TalkBack.check(root)
        screenshot("tax-detail")
        scrollToTop(qr)
        screenshot("tax-detail-qr")

        if (!detail.canPay) return
        click("Zapłać", exact = true)
        val page = nextStartedIntent("the gateway's page")
        assertEquals(Intent.ACTION_VIEW, page.action)
        val url = page.data.toString()
        assertTrue(url.startsWith(server.url), "the sandbox gateway: $url")
        // The resident pays on the gateway's page, then comes back to the app.
        val back = SandboxPayer.press(url, "Zapłać")
        assertEquals(200, back.statusCode(), back.body())
        awayAndBack()
        waitFor("Pokaż potwierdzenie", exact = true, timeoutMs = 30_000)
        screenshot("tax-payment-paid")
        click("Pokaż potwierdzenie", exact = true)
        waitFor("Potwierdzenie płatności", exact = true)
        TalkBack.check(root, headings = listOf("Potwierdzenie płatności"))
        screenshot("tax-receipt")
        pressBack()
        waitFor("Do zapłaty: ", timeoutMs = 5_000)
    }

    @Test
    fun `settings, the reminder days, 3 by default, chosen 1 to 7`() {
        launch(SettingsActivity::class.java)
        waitFor("Przypomnienia o terminach podatków", exact = true)
        val three = waitFor("3 dni przed terminem", exact = true) as RadioButton
        assertTrue(three.isChecked)
        assertTrue(three.height >= three.resources.displayMetrics.density * 48 - 1, "a 48 dp target")
        click("7 dni przed terminem", exact = true)
        waitUntil("stored") { runBlocking { app.repository.taxReminderDays() } == 7 }
        TalkBack.check(root, headings = listOf("Ustawienia", "Przypomnienia o terminach podatków"))
        screenshot("settings-tax-reminders")
    }

    /** Draws [qr] and checks the centre of every module against the core's matrix, quiet zone light. */
    private fun assertQrDrawnAsTheCoreEncodedIt(qr: QrCodeView, size: Int, modules: List<Boolean>) {
        assertEquals(size, qr.moduleCount)
        val bitmap = Bitmap.createBitmap(qr.width, qr.height, Bitmap.Config.ARGB_8888)
        qr.draw(Canvas(bitmap))
        val (px, offset) = qr.moduleGeometry()
        assertTrue(px >= 2, "at least 2 px a module: $px")
        assertTrue(offset >= QrCodeView.QUIET_ZONE * px, "a quiet zone of 4 modules")
        for (r in 0 until size) for (c in 0 until size) {
            val colour = bitmap.getPixel(offset + c * px + px / 2, offset + r * px + px / 2)
            val dark = Color.red(colour) < 128
            assertEquals(modules[r * size + c], dark, "module ($r, $c)")
        }
        assertEquals(Color.WHITE, bitmap.getPixel(offset / 2, offset / 2) or 0xFF000000.toInt(), "the quiet zone is light")
        bitmap.recycle()
    }
}
