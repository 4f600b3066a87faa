package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import pl.mmieszkaniec.app.state.BallotModel
import pl.mmieszkaniec.app.state.BudgetEditionModel
import pl.mmieszkaniec.app.state.BudgetModel
import pl.mmieszkaniec.app.state.BudgetProjectModel
import pl.mmieszkaniec.app.state.BudgetResultsModel
import pl.mmieszkaniec.app.state.pointsGiven
import pl.mmieszkaniec.core.BallotHint
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.BudgetPoolKind
import pl.mmieszkaniec.core.CastState
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The participatory budget's state holders through the real library
 * against a real `mm-server --demo` (Siechnice: last year's edition with
 * published results; this year's in voting, name and address, SMS codes
 * through the demo's `--sms log` gateway, 1–3 projects per pool, one area
 * pool per ballot). Every rule is the core's: the tests check that what
 * the core refuses reaches the state with its words and leaves the draft.
 */
class BudgetStateTest {

    private suspend fun editions(model: BudgetModel): Pair<BudgetEdition, BudgetEdition> {
        model.refresh()
        assertNull(model.state.value.refreshError, "${model.state.value.refreshError}")
        val list = assertNotNull(model.state.value.editions.valueOrNull).editions
        val voting = list.single { it.votingOpen }
        val finished = list.single { it.resultsPublished }
        return voting to finished
    }

    @Test
    fun `editions, pools and projects, the rule enforced at each pick, the review, the results`() = runBlocking<Unit> {
        val server = TestServer.shared
        openRepository(tempDir(), server.url).use { repo ->
            val budget = BudgetModel(repo)
            budget.load()
            val before = assertNotNull(budget.state.value.editions.valueOrNull)
            assertTrue(before.editions.isEmpty() && before.fetchedAtMs == null, "$before")
            assertEquals("Jeszcze nie pobrano", before.fetchedText)

            val (voting, finished) = editions(budget)
            val fetched = budget.state.value.editions.valueOrNull!!
            assertTrue(fetched.fetchedText.startsWith("Stan na"), fetched.fetchedText)
            // Newest first: this year's in voting, (the demo's green budget in submission,) last year's.
            assertEquals(voting.id, fetched.editions.first().id, "newest first")
            assertEquals(finished.id, fetched.editions.last().id, "newest first")
            assertEquals(BudgetIdentityMode.NAME_ADDRESS, voting.identity)
            assertTrue(voting.smsRequired && voting.residenceRequired, "$voting")
            assertEquals("Wybierz od 1 do 3 projektów.", voting.ruleText)
            assertTrue(voting.phaseText.startsWith("Głosowanie do"), voting.phaseText)
            assertEquals(3, voting.pools.size)
            voting.pools.forEach { assertTrue(it.amountText.endsWith("zł") && it.kindText.isNotBlank(), "$it") }
            assertFalse(finished.votingOpen)

            // An edition's projects, all and one pool's.
            val wide = voting.pools.single { it.kind == BudgetPoolKind.GMINA_WIDE }
            val (north, west) = voting.pools.filter { it.kind == BudgetPoolKind.AREA }
            val edition = BudgetEditionModel(repo, voting.id)
            edition.load()
            val all = assertNotNull(edition.state.value.projects.valueOrNull).projects
            assertEquals(voting.pools.map { it.id }.toSet(), all.map { it.pool }.toSet())
            edition.choosePool(wide.id)
            val wideProjects = assertNotNull(edition.state.value.projects.valueOrNull).projects
            assertTrue(wideProjects.size >= 4 && wideProjects.all { it.pool == wide.id && it.poolName == wide.name }, "$wideProjects")
            wideProjects.forEach { assertTrue(it.costText.endsWith("zł") && it.statusText.isNotBlank() && it.number != null, "$it") }

            // Picking: three in the gmina-wide pool, then the core says no to a fourth.
            val ballot = BallotModel(repo, voting.id)
            ballot.load()
            assertEquals(0u, ballot.state.value.ballot.valueOrNull!!.chosen)
            wideProjects.take(3).forEach { p ->
                ballot.toggle(p.id)
                assertNull(ballot.state.value.pickError, "${ballot.state.value.pickError}")
            }
            val three = assertNotNull(ballot.state.value.ballot.valueOrNull)
            assertEquals(3u, three.chosen)
            val widePool = three.pools.single { it.pool == wide.id }
            assertEquals(wideProjects.take(3).map { it.id }, widePool.chosen.map { it.project })
            assertTrue(widePool.canAdd.isEmpty(), "the core offers nothing more: ${widePool.canAdd}")
            assertEquals(BallotHint.Complete, widePool.hint)
            assertTrue(widePool.hintText.isNotBlank())

            val fourth = wideProjects[3]
            ballot.toggle(fourth.id)
            val refused = assertNotNull(ballot.state.value.pickError)
            assertEquals("ballot_rule", refused.code)
            assertTrue(refused.messagePl.isNotBlank() && refused.messageEn.isNotBlank(), "$refused")
            assertEquals(3u, ballot.state.value.ballot.valueOrNull!!.chosen, "the draft stays as it was")
            assertFalse(ballot.state.value.projects.valueOrNull!!.projects.single { it.id == fourth.id }.chosen)

            // One area pool per ballot: a project of the north pool, then the west pool refused.
            val northProject = all.first { it.pool == north.id }
            val westProject = all.first { it.pool == west.id }
            ballot.toggle(northProject.id)
            assertNull(ballot.state.value.pickError)
            val westPool = ballot.state.value.ballot.valueOrNull!!.pools.single { it.pool == west.id }
            assertTrue(westPool.hint is BallotHint.AreaLimitReached, "${westPool.hint}")
            assertFalse(westProject.id in westPool.canAdd)
            ballot.toggle(westProject.id)
            assertEquals("ballot_rule", ballot.state.value.pickError?.code)
            assertEquals(4u, ballot.state.value.ballot.valueOrNull!!.chosen)

            // Taking one off clears the refusal; the review has nothing against the draft.
            ballot.toggle(wideProjects[0].id)
            assertNull(ballot.state.value.pickError)
            assertEquals(3u, ballot.state.value.ballot.valueOrNull!!.chosen)
            ballot.review()
            val review = assertNotNull(ballot.state.value.review)
            assertTrue(review.ok && review.problems.isEmpty(), "$review")
            assertEquals(setOf(wide.id, north.id), review.pools.map { it.pool }.toSet())

            // A project's page: its words, and adding it from there.
            val page = BudgetProjectModel(repo, wideProjects[0].id)
            page.load()
            val p = assertNotNull(page.state.value.project.valueOrNull)
            assertEquals(wideProjects[0].title, p.title)
            assertFalse(p.chosen)
            assertTrue(p.description.isNotBlank())
            page.toggle()
            assertNull(page.state.value.pickError)
            assertTrue(page.state.value.project.valueOrNull!!.chosen)
            // The draft is the core's, shared by the screens.
            ballot.load()
            assertEquals(4u, ballot.state.value.ballot.valueOrNull!!.chosen)

            // Results: published for last year's edition, none yet for this year's.
            val results = BudgetResultsModel(repo, finished.id)
            results.load()
            val r = assertNotNull(results.state.value.results.valueOrNull, "${results.state.value.results}")
            assertEquals(3, r.pools.size)
            r.pools.forEach { pool ->
                assertTrue(pool.ballots > 0u && pool.trace.isNotEmpty() && pool.spentText.endsWith("zł"), "$pool")
                assertTrue(pool.spentGrosze <= pool.budgetGrosze, "$pool")
                val selected = pool.projects.takeWhile { it.selected }
                assertTrue(selected.isNotEmpty() && pool.projects.drop(selected.size).none { it.selected }, "selected first: $pool")
                assertEquals(pool.spentGrosze, selected.sumOf { it.costGrosze }, "$pool")
            }
            val none = BudgetResultsModel(repo, voting.id)
            none.load()
            assertTrue(none.state.value.results is pl.mmieszkaniec.app.state.Load.Ready, "${none.state.value.results}")
            assertNull(none.state.value.results.valueOrNull)
        }
    }

    @Test
    fun `identity checked by the core, the SMS code, cast with a receipt, checked and changed, found by its receipt, offline queued then sent`() = runBlocking<Unit> {
        var server = TestServer.start()
        var receipt = ""
        var changedTo = 0L
        var votingId = 0L
        try {
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                val (voting, _) = editions(BudgetModel(repo))
                val ballot = BallotModel(repo, voting.id)
                ballot.load()
                val locality = ballot.state.value.localities.first()
                val project = repo.budgetProjects(voting.id).projects.first()
                ballot.toggle(project.id)

                // The declaration of residence is the edition's requirement: refused without it, nothing queued.
                assertFalse(ballot.cast())
                assertEquals("ballot_rule", ballot.state.value.castError?.code)
                assertNull(ballot.state.value.myBallot)

                // Declared, nothing typed: the core names the field, nothing is queued.
                ballot.declareResidence(true)
                assertFalse(ballot.cast())
                val missing = assertNotNull(ballot.state.value.castError)
                assertEquals("invalid_identity", missing.code)
                assertNotNull(missing.field)
                assertNull(ballot.state.value.myBallot)

                ballot.editForm {
                    it.copy(firstName = "Anna", lastName = "Testowa", locality = locality.id, street = "Opolska", house = "12", phone = "123")
                }
                ballot.requestSms()
                assertEquals("invalid_identity", ballot.state.value.sms.error?.code)
                assertEquals("phone", ballot.state.value.sms.error?.field)
                assertNull(ballot.state.value.sms.requestId)

                ballot.editForm { it.copy(phone = "+48 500 600 701") }
                ballot.requestSms()
                assertNull(ballot.state.value.sms.error, "${ballot.state.value.sms.error}")
                assertNotNull(ballot.state.value.sms.requestId)
                assertTrue(ballot.state.value.sms.expiresAtMs!! > System.currentTimeMillis())
                val code = server.nextSmsCode(0)
                assertFalse(ballot.state.value.toString().contains(code), "the state's text holds no code")

                // A wrong code: the server's refusal, in the core's words, kept as my ballot's state.
                ballot.editSmsCode(if (code == "000000") "111111" else "000000")
                assertFalse(ballot.cast())
                assertEquals("invalid_sms_code", ballot.state.value.castError?.code)
                val refused = assertNotNull(ballot.state.value.myBallot)
                assertEquals(CastState.REFUSED, refused.state, "$refused")
                assertTrue(!refused.errorText.isNullOrBlank(), "$refused")

                // The right one: cast, with its receipt.
                ballot.editSmsCode(code)
                assertTrue(ballot.cast(), "${ballot.state.value.castError}")
                val mine = assertNotNull(ballot.state.value.myBallot)
                assertEquals(CastState.CAST, mine.state, "$mine")
                assertEquals("Głos oddany.", mine.stateText)
                assertTrue(!mine.receiptCode.isNullOrBlank() && !mine.castText.isNullOrBlank(), "$mine")
                assertEquals(listOf(project.id), mine.choices.map { it.project })
                assertEquals("", ballot.state.value.form.firstName, "the identity is not kept on the screen")
                assertEquals(CastState.CAST, ballot.state.value.ballot.valueOrNull?.cast?.state)

                // Once cast, the core refuses another from this phone.
                ballot.editForm { it.copy(firstName = "Anna", lastName = "Testowa", locality = locality.id, house = "12") }
                assertFalse(ballot.cast())
                assertEquals("already_voted", ballot.state.value.castError?.code)

                // The server's word on my ballot: the same receipt, and it may still be changed (the edition allows it).
                ballot.checkMyBallot()
                assertNull(ballot.state.value.checkError, "${ballot.state.value.checkError}")
                val checked = assertNotNull(ballot.state.value.myBallot)
                assertEquals(mine.receiptCode, checked.receiptCode)
                assertTrue(checked.mayChange, "$checked")
                assertNotNull(checked.checkedAtMs)

                // Changed to another project, by the same voter; the server counts the new choice.
                val other = repo.budgetProjects(voting.id).projects.first { it.pool == project.pool && it.id != project.id }
                ballot.clear()
                ballot.toggle(other.id)
                ballot.startChange()
                ballot.editForm { it.copy(firstName = "Anna", lastName = "Testowa", locality = locality.id, street = "Opolska", house = "12") }
                assertTrue(ballot.changeBallot(), "${ballot.state.value.castError}")
                assertFalse(ballot.state.value.changing)
                ballot.checkMyBallot()
                val changed = assertNotNull(ballot.state.value.myBallot)
                assertEquals(listOf(other.id), changed.choices.map { it.project }, "$changed")
                assertEquals(mine.receiptCode, changed.receiptCode, "the same ballot")
                assertTrue(!changed.changedText.isNullOrBlank(), "$changed")
                receipt = mine.receiptCode!!
                changedTo = other.id
                votingId = voting.id
            }

            // A fresh phone given the receipt code: the ballot as the server counts it.
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                BudgetModel(repo).refresh()
                val elsewhere = BallotModel(repo, votingId)
                elsewhere.load()
                assertNull(elsewhere.state.value.myBallot)
                elsewhere.checkMyBallot(receipt)
                val found = assertNotNull(elsewhere.state.value.myBallot, "${elsewhere.state.value.checkError}")
                assertEquals(receipt, found.receiptCode)
                assertEquals(listOf(changedTo), found.choices.map { it.project })
            }

            // Another phone: the code asked for online, the ballot cast with the server down.
            val dir = tempDir()
            openRepository(dir, server.url).use { repo ->
                repo.sync()
                val (voting, _) = editions(BudgetModel(repo))
                val ballot = BallotModel(repo, voting.id)
                ballot.load()
                val locality = ballot.state.value.localities.last()
                ballot.toggle(repo.budgetProjects(voting.id).projects.first().id)
                ballot.editForm {
                    it.copy(firstName = "Jan", lastName = "Offline", locality = locality.id, street = "", house = "3", phone = "500 600 702")
                }
                ballot.declareResidence(true)
                val seen = server.smsCodes().size
                ballot.requestSms()
                assertNull(ballot.state.value.sms.error, "${ballot.state.value.sms.error}")
                ballot.editSmsCode(server.nextSmsCode(seen))

                server.stop()
                assertTrue(ballot.cast(), "${ballot.state.value.castError}")
                val queued = assertNotNull(ballot.state.value.myBallot)
                assertEquals(CastState.QUEUED, queued.state, "$queued")
                assertTrue(queued.stateText.startsWith("Głos czeka"), queued.stateText)
                assertNull(queued.receiptCode)
                ballot.sendQueued()
                assertEquals(CastState.QUEUED, ballot.state.value.myBallot?.state, "still offline")

                server = server.restart()
                ballot.sendQueued()
                val sent = assertNotNull(ballot.state.value.myBallot)
                assertEquals(CastState.CAST, sent.state, "$sent")
                assertFalse(sent.receiptCode.isNullOrBlank())
            }
        } finally {
            server.close()
        }
    }

    /**
     * A cumulative edition (the demo's voting edition switched to 5 points,
     * at most 3 a project, while its own server is down, as the e2e tests
     * add what the demo lacks): the points stepped up and down through the
     * state holder as the "−" / "+" buttons do, the points left as the core
     * counts them, one point over the maximum refused in the core's words.
     */
    @Test
    fun `cumulative points stepped up and down, the points left the core's, over the maximum refused`() = runBlocking<Unit> {
        val first = TestServer.start()
        first.stop()
        val db = java.io.File(first.dir, "mm.sqlite")
        val sql = "UPDATE budget_editions SET settings = json_set(settings, '$.voting', " +
            "json('{\"kind\":\"cumulative\",\"points\":5,\"min_projects\":1,\"max_per_project\":3}')) " +
            "WHERE json_extract(settings, '$.allow_change') = 1"
        val p = ProcessBuilder("sqlite3", db.path, sql).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertEquals(0, p.waitFor(), out)
        first.restart().use { server ->
            openRepository(tempDir(), server.url).use { repo ->
                val (voting, _) = editions(BudgetModel(repo))
                val ballot = BallotModel(repo, voting.id)
                ballot.load()
                val screen = assertNotNull(ballot.state.value.ballot.valueOrNull)
                assertTrue(screen.pools.all { it.remainingPoints == 5.toUShort() }, "${screen.pools}")
                val pool = screen.pools.first()
                val project = assertNotNull(ballot.state.value.projects.valueOrNull).projects.first { it.pool == pool.pool }
                fun given() = pointsGiven(ballot.state.value.ballot.valueOrNull, project.id)
                fun left() = ballot.state.value.ballot.valueOrNull!!.pools.first { it.pool == pool.pool }.remainingPoints

                repeat(3) { ballot.stepPoints(project.id, +1) }
                assertNull(ballot.state.value.pickError, "${ballot.state.value.pickError}")
                assertEquals(3, given())
                assertEquals(2.toUShort(), left())

                // A fourth point to one project: the core's refusal, the points as they were.
                ballot.stepPoints(project.id, +1)
                val refused = assertNotNull(ballot.state.value.pickError)
                assertEquals("ballot_rule", refused.code, "$refused")
                assertTrue(refused.messagePl.isNotBlank())
                assertEquals(3, given())

                ballot.stepPoints(project.id, -1)
                assertNull(ballot.state.value.pickError)
                assertEquals(2, given())
                assertEquals(3.toUShort(), left())
                repeat(3) { ballot.stepPoints(project.id, -1) }
                assertEquals(0, given(), "never below none")
                assertEquals(5.toUShort(), left())
            }
        }
    }
}
