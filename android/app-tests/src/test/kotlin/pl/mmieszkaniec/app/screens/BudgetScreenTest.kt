package pl.mmieszkaniec.app.screens

import android.content.Intent
import android.view.View
import android.widget.CheckBox
import android.widget.Spinner
import org.junit.Test
import pl.mmieszkaniec.app.ui.BallotActivity
import pl.mmieszkaniec.app.ui.BudgetActivity
import pl.mmieszkaniec.app.ui.BudgetProjectActivity
import pl.mmieszkaniec.app.ui.BudgetResultsActivity
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetPoolKind
import pl.mmieszkaniec.core.MmException
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The participatory budget on screen against a real `mm-server --demo`
 * (Siechnice: last year's edition with its results published, this year's
 * in voting with name and address, SMS codes from the demo's `--sms log`
 * gateway, 1–3 projects per pool): the editions, an edition's pools and
 * projects, a project added from its page, the results with the count's
 * trace; the ballot, where the core refuses a fourth project and its words
 * are announced, the review, the identity form with the edition's fields,
 * the SMS code, the declaration, and the vote cast with its receipt code.
 * The screens decide nothing: every expected text is read from the core.
 */
class BudgetScreenTest : ScreenTest() {

    /** Synced (as Home does on launch: the gmina's localities, for the address) and the budget fetched. */
    private fun editions(): Pair<BudgetEdition, BudgetEdition> {
        val list = offMain {
            app.repository.sync()
            app.repository.refreshBudget()
            app.repository.budgetEditions()
        }.editions
        return list.single { it.votingOpen } to list.single { it.resultsPublished }
    }

    @Test
    fun `editions, an edition's pools and projects, a project added from its page, the results`() {
        launch(HomeActivity::class.java)
        click("Budżet obywatelski", exact = true)
        followTo(BudgetActivity::class.java)
        waitFor("Edycje", exact = true)
        val (voting, finished) = editions()
        // Each edition read as one sentence: its title and its phase in the core's words.
        waitFor("${voting.title}. ${voting.phaseText}.", exact = true)
        waitFor("${finished.title}. ${finished.phaseText}.", exact = true)
        TalkBack.check(root, headings = listOf("Budżet obywatelski", "Edycje"))
        screenshot("budget-editions")

        click("${voting.title}. ${voting.phaseText}.", exact = true)
        followTo(BudgetActivity::class.java)
        waitFor(voting.ruleText, exact = true)
        val projects = offMain { app.repository.budgetProjects(voting.id) }.projects
        projects.take(3).forEach { waitFor(it.title) }
        assertTrue(findView("Wyniki", exact = true) == null, "no results while voting")
        TalkBack.check(root, headings = listOf(voting.title, "Pule", "Projekty"))
        screenshot("budget-edition")

        // A pool narrows the projects to its own.
        val area = voting.pools.first { it.kind == BudgetPoolKind.AREA }
        click("Tylko pula ${area.name}")
        val other = projects.first { it.pool != area.id }
        waitUntil("only the pool's projects") { findView(other.title) == null }
        val mine = projects.first { it.pool == area.id }
        waitFor(mine.title)

        // Its page, and "Dodaj do karty" there.
        click(mine.title)
        followTo(BudgetProjectActivity::class.java)
        waitFor("Koszt: ${mine.costText}", exact = true)
        waitFor(mine.statusText, exact = true)
        click("Dodaj do karty", exact = true)
        waitFor("Na mojej karcie do głosowania.", exact = true)
        waitFor("Usuń z karty", exact = true)
        assertTrue(offMain { app.repository.budgetProject(mine.id) }.chosen, "the core's draft has it")
        TalkBack.check(root, headings = listOf(mine.title))
        screenshot("budget-project")

        // Last year's results.
        launch(BudgetActivity::class.java, Intent().putExtra(BudgetActivity.EXTRA_EDITION, finished.id))
        click("Wyniki", exact = true)
        followTo(BudgetResultsActivity::class.java)
        val results = offMain { app.repository.budgetResults(finished.id) } ?: fail("published")
        results.pools.forEach { pool ->
            waitFor(pool.name, exact = true)
            waitFor("Przyznano: ${pool.spentText}", exact = true)
        }
        val top = results.pools.first().projects.first()
        assertTrue(top.selected)
        waitFor("${top.title}. ${top.costText}. Głosy: ${top.votes}. Wybrany do realizacji.", exact = true)
        waitFor(results.pools.first().trace.first(), exact = true)
        TalkBack.check(root, headings = listOf("Wyniki") + results.pools.map { it.name })
        screenshot("budget-results")
    }

    @Test
    fun `the ballot, a fourth project refused in the core's words, the identity and SMS step, cast with its receipt, then changed`() {
        val (voting, _) = editions()
        launch(BallotActivity::class.java, Intent().putExtra(BallotActivity.EXTRA_EDITION, voting.id))
        waitFor(voting.ruleText, exact = true)
        val wide = voting.pools.single { it.kind == BudgetPoolKind.GMINA_WIDE }
        val projects = offMain { app.repository.budgetProjects(voting.id, wide.id) }.projects
        assertTrue(projects.size >= 4)

        projects.take(3).forEachIndexed { i, p ->
            click("${p.title}, koszt ${p.costText}", exact = true)
            waitFor("Wybrane projekty: ${i + 1}", exact = true)
        }
        // The fourth: the core refuses it; its reason is announced, the box stays unticked.
        val fourth = projects[3]
        val reason = offMain {
            try {
                app.repository.budgetToggle(voting.id, fourth.id)
                fail("the core took a fourth project")
            } catch (e: MmException.Server) {
                assertEquals("ballot_rule", e.code)
                e.messagePl
            }
        }
        click("${fourth.title}, koszt ${fourth.costText}", exact = true)
        val shown = waitFor(reason, exact = true)
        assertEquals(View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE, shown.accessibilityLiveRegion)
        val box = findView("${fourth.title}, koszt ${fourth.costText}", exact = true) as CheckBox
        assertFalse(box.isChecked, "the box shows the core's draft")
        waitFor("Wybrane projekty: 3", exact = true)
        TalkBack.check(root, headings = listOf("Karta do głosowania") + voting.pools.map { it.name })
        screenshot("budget-ballot-refused")

        // The review, then the form with this edition's fields: names and the address, the phone for the code.
        click("Dalej: sprawdź kartę", exact = true)
        waitFor("Karta jest poprawna. Podaj swoje dane, aby oddać głos.", exact = true)
        assertTrue(findView("PESEL", exact = true) == null, "a name-and-address edition asks for no PESEL")
        type("Imię", "Maria")
        type("Nazwisko", "Ekranowa")
        val localities = offMain { app.repository.localities() }
        val spinner = shownViews().filterIsInstance<Spinner>().single()
        assertTrue(localities.size > 1)
        assertEquals(localities.size, spinner.adapter.count)
        spinner.setSelection(1)
        idleMain()
        type("Ulica", "Opolska")
        type("Numer domu", "7")
        type("Numer telefonu", "+48 500 600 709")
        val seen = server.smsCodes().size
        click("Wyślij kod SMS", exact = true)
        waitFor("Kod wysłany SMS-em. Wpisz go poniżej.", exact = true)
        type("Kod z SMS-a", server.nextSmsCode(seen))
        click("Oświadczam, że mieszkam na terenie gminy.", exact = true)
        TalkBack.check(root, headings = listOf("Twoje dane"))
        screenshot("budget-ballot-identity")

        click("Oddaj głos", exact = true)
        waitFor("Głos oddany.", exact = true)
        val mine = offMain { app.repository.budgetMyBallot(voting.id) } ?: fail("no ballot of mine")
        val receipt = mine.receiptCode ?: fail("no receipt: $mine")
        waitFor("Kod potwierdzenia: $receipt", exact = true)
        assertEquals(projects.take(3).map { it.id }, mine.choices.map { it.project })
        assertTrue(shownViews().filterIsInstance<android.widget.EditText>().isEmpty(), "the form is gone once the vote is taken")
        TalkBack.check(root, headings = listOf("Mój głos"))
        screenshot("budget-ballot-cast")

        // The server says it may still be changed (the edition allows it): the draft again, one project fewer.
        click("Zmień głos", exact = true)
        val dropped = projects[2]
        click("${dropped.title}, koszt ${dropped.costText}", exact = true)
        waitFor("Wybrane projekty: 2", exact = true)
        click("Dalej: sprawdź kartę", exact = true)
        waitFor("Karta jest poprawna. Podaj swoje dane, aby oddać głos.", exact = true)
        assertTrue(findView("Wyślij kod SMS", exact = true) == null, "a change asks for no new code")
        type("Imię", "Maria")
        type("Nazwisko", "Ekranowa")
        shownViews().filterIsInstance<Spinner>().single().setSelection(1)
        idleMain()
        type("Ulica", "Opolska")
        type("Numer domu", "7")
        click("Zapisz zmianę głosu", exact = true)
        waitFor("Zmieniony: ", timeoutMs = 30_000)
        val changed = offMain { app.repository.budgetMyBallot(voting.id) } ?: fail("no ballot of mine")
        assertEquals(projects.take(2).map { it.id }, changed.choices.map { it.project }, "$changed")
        assertEquals(receipt, changed.receiptCode, "the same ballot")
        waitFor("Zmieniony: ${changed.changedText}", exact = true)
        assertTrue(findView("${dropped.title} (${dropped.costText})") == null, "the dropped project is off my ballot")
        TalkBack.check(root, headings = listOf("Mój głos"))
        screenshot("budget-ballot-changed")
    }
}
