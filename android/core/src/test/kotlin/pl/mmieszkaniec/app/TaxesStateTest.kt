package pl.mmieszkaniec.app

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.TaxDetailModel
import pl.mmieszkaniec.app.state.TaxesModel
import pl.mmieszkaniec.app.state.warsawToday
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The taxes state holders through the real library against a real
 * `mm-server --demo` (its tax register, its printed activation code, its
 * sandbox gateway): the link form, a wrong code, the household's list, a
 * liability with its QR matrix, a payment paid on the gateway's page with
 * its receipt, the figures offline, and unlinking that leaves nothing.
 * Each test has its own server: a code links once.
 */
class TaxesStateTest {

    @Test
    fun `not linked shows the form and a wrong code is refused with the core's words`() = runBlocking<Unit> {
        val server = TestServer.start()
        try {
            openRepository(tempDir(), server.url).use { repo ->
                val taxes = TaxesModel(repo)
                taxes.load()
                val screen = assertNotNull(taxes.state.value.screen.valueOrNull, "${taxes.state.value.screen}")
                assertTrue(screen.taxpayers.isEmpty() && screen.liabilities.isEmpty())
                assertFalse(taxes.state.value.isLinked)

                taxes.editCode("AAAA-BBBB-CCCC")
                assertFalse(taxes.link())
                val error = assertNotNull(taxes.state.value.linkError)
                assertEquals("invalid_activation_code", error.code)
                assertTrue(error.messagePl.isNotBlank() && error.messageEn.isNotBlank())
                assertEquals("AAAA-BBBB-CCCC", taxes.state.value.codeInput, "what was typed stays to be fixed")
                assertFalse(taxes.state.value.isLinked)
            }
        } finally {
            server.close()
        }
    }

    @Test
    fun `linked, the household's liabilities, one with its QR, paid on the gateway's page, offline, unlinked`() =
        runBlocking<Unit> {
            val server = TestServer.start()
            val dir = tempDir()
            try {
                val code = server.activationCode()
                var online: pl.mmieszkaniec.core.TaxesScreen? = null
                openRepository(dir, server.url).use { repo ->
                    val taxes = TaxesModel(repo)
                    taxes.load()
                    // Typed the way people type it: lower case, spaces instead of dashes.
                    taxes.editCode(" " + code.lowercase().replace('-', ' ') + " ")
                    assertTrue(taxes.link(), "${taxes.state.value.linkError}")
                    val s = taxes.state.value
                    assertNotNull(s.linked)
                    assertEquals("", s.codeInput)
                    assertNull(s.refreshError)
                    val screen = assertNotNull(s.screen.valueOrNull)
                    assertTrue(s.isLinked)
                    assertTrue(screen.liabilities.isNotEmpty(), "the demo's household has liabilities")
                    assertTrue(screen.totalText.endsWith("zł"), screen.totalText)
                    screen.liabilities.forEach { l ->
                        assertTrue(l.kindText.isNotBlank() && l.dueText.isNotBlank() && l.statusText.isNotBlank(), "$l")
                        assertTrue(l.totalText.endsWith("zł"), l.totalText)
                    }

                    // The one with the most to pay: the QR matrix and the ZBP payload.
                    val owed = screen.liabilities.maxBy { it.totalGrosze }
                    assertTrue(owed.totalGrosze > 0, "the demo household owes something")
                    val detail = TaxDetailModel(repo, owed.id)
                    detail.load()
                    val d = assertNotNull(detail.state.value.detail.valueOrNull, "${detail.state.value.detail}")
                    assertEquals(owed.totalText, d.summary.totalText)
                    val size = d.qrSize.toInt()
                    assertTrue(size >= 21 && (size - 17) % 4 == 0, "a QR symbol's side is 17 + 4·version modules: $size")
                    assertEquals(size * size, d.qrModules.size)
                    // The finder pattern's corners are dark, its separator light (ISO/IEC 18004 §6.3.3).
                    assertTrue(d.qrModules[0] && d.qrModules[size - 1] && d.qrModules[(size - 1) * size])
                    assertFalse(d.qrModules[7 * size + 7])
                    val fields = d.zbpPayload.split('|')
                    assertEquals("PL", fields[1], d.zbpPayload)
                    assertEquals(d.account.filter(Char::isDigit), fields[2])
                    assertEquals(d.amountInCode, d.amountNote == null, "a note exactly when the amount is not in the code")
                    if (d.amountInCode) assertEquals(d.summary.totalGrosze.toString().padStart(6, '0'), fields[3])
                    else assertEquals("000000", fields[3])

                    // "Zapłać": a pending payment with the gateway's page, paid there, then paid here with its receipt.
                    assertEquals(screen.paymentsEnabled, d.canPay, "something to pay, and a gateway")
                    if (d.canPay) {
                        val url = assertNotNull(detail.pay(), "${detail.state.value.payment}")
                        assertTrue(url.startsWith(server.url), "the sandbox gateway is the server's own: $url")
                        assertFalse(detail.state.value.paying)
                        val back = SandboxPayer.press(url, "Zapłać")
                        assertEquals(200, back.statusCode(), back.body())
                        detail.awaitResult()
                        val paid = assertNotNull(detail.state.value.payment?.valueOrNull)
                        assertEquals(pl.mmieszkaniec.core.TaxPaymentStatus.PAID, paid.status, "$paid")
                        assertTrue(paid.receiptAvailable && !paid.booked, "$paid")
                        // Closed while it loads (Back on the heading): the answer does not open it again.
                        val loading = launch(start = CoroutineStart.UNDISPATCHED) { detail.loadReceipt() }
                        detail.closeReceipt()
                        loading.join()
                        assertNull(detail.state.value.receipt, "closed while loading stays closed")
                        detail.loadReceipt()
                        val receipt = assertNotNull(detail.state.value.receipt?.valueOrNull, "${detail.state.value.receipt}")
                        assertTrue(receipt.contains(paid.amountText.substringBefore(" zł")), receipt)
                        // The list says so until the tax office books it.
                        taxes.load()
                        val after = taxes.state.value.screen.valueOrNull!!.liabilities.first { it.id == owed.id }
                        assertEquals(pl.mmieszkaniec.core.LiabilityStatus.PAID_AWAITING_BOOKING, after.status, "$after")
                        assertEquals(0L, after.totalGrosze, "$after")
                    }
                    taxes.load()
                    online = taxes.state.value.screen.valueOrNull
                }

                // Offline: the stored copy, recomputed for today: the same figures, the same "as of".
                server.stop()
                openRepository(dir, server.url).use { repo ->
                    val taxes = TaxesModel(repo)
                    taxes.load()
                    taxes.refresh()
                    assertEquals("network", taxes.state.value.refreshError?.code)
                    val offline = assertNotNull(taxes.state.value.screen.valueOrNull)
                    assertTrue(offline.liabilities.isNotEmpty())
                    assertEquals(online!!.liabilities.map { it.id to it.totalText }, offline.liabilities.map { it.id to it.totalText })
                    assertEquals(online!!.fetchedText, offline.fetchedText, "said when the figures were stated")

                    // Unlinking leaves nothing of the taxpayer on the phone, at once (even offline).
                    taxes.unlink(null)
                    assertNull(taxes.state.value.actionError)
                    val none = assertNotNull(taxes.state.value.screen.valueOrNull)
                    assertTrue(none.taxpayers.isEmpty() && none.liabilities.isEmpty())
                }
            } finally {
                server.close()
            }
        }

    @Test
    fun `reminder days are 1 to 7, 3 by default, and the due-soon list follows them`() = runBlocking<Unit> {
        val server = TestServer.start()
        try {
            openRepository(tempDir(), server.url).use { repo ->
                assertEquals(3, repo.taxReminderDays())
                val refused = load { repo.setTaxReminderDays(8) }
                assertTrue(refused is Load.Failed && refused.error.messagePl.isNotBlank(), "$refused")
                assertEquals(3, repo.taxReminderDays(), "refused: unchanged")

                var today = warsawToday()
                val taxes = TaxesModel(repo) { today }
                taxes.editCode(server.activationCode())
                assertTrue(taxes.link(), "${taxes.state.value.linkError}")
                // Two days before an instalment's due date: within 7 days, not within 1.
                // (One nothing was paid on, so it had something to pay on that day.)
                val instalment = taxes.state.value.screen.valueOrNull!!.liabilities.first { it.paidGrosze == 0L && it.totalGrosze > 0 }
                today = java.time.LocalDate.parse(instalment.effectiveDueDate).minusDays(2)
                repo.setTaxReminderDays(7)
                assertEquals(7, repo.taxReminderDays())
                assertTrue(taxes.reminders().any { it.liability == instalment.id }, "7 days: ${taxes.reminders()}")
                repo.setTaxReminderDays(1)
                assertTrue(taxes.reminders().none { it.liability == instalment.id }, "1 day: ${taxes.reminders()}")
                taxes.reminders().forEach { assertTrue(it.title.isNotBlank() && it.body.isNotBlank(), "$it") }
            }
        } finally {
            server.close()
        }
    }
}

private suspend fun <T> load(block: suspend () -> T): Load<T> = pl.mmieszkaniec.app.state.load(block)
