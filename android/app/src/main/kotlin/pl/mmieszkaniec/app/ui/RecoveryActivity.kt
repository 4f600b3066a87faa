package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.os.Bundle
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import pl.mmieszkaniec.app.UserError

/**
 * Shown instead of any screen when the core cannot be opened (its store is
 * damaged or its directory unusable): what happened, in the core's words,
 * and a way out that does not need a computer: delete the local data and
 * start again (the gmina's data is downloaded again; drafts and unsent
 * reports are lost, which the screen says), or try again (a full disk may
 * have been freed meanwhile).
 */
class RecoveryActivity : ScreenActivity() {
    override val needsCore: Boolean get() = false

    private val app: MmApplication get() = application as MmApplication
    private lateinit var content: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.RECOVERY_TITLE)
        content = Section(this)
        column.addView(heading(t(Texts.RECOVERY_TITLE)))
        column.addView(content.layout)
        show(app.openFailure)
    }

    private fun show(failure: UserError?) = content.show {
        body(t(Texts.RECOVERY_EXPLAINED), key = "explained")
        if (failure != null) {
            body(t(Texts.RECOVERY_WHAT_HAPPENED), secondary = true, key = "what")
            error(failure, key = "failure")
        }
        button(t(Texts.RECOVERY_DELETE), key = "delete") { act { reopen(delete = true) } }
        button(t(Texts.RECOVERY_TRY_AGAIN), key = "again") { act { reopen(delete = false) } }
    }

    /** Opens the core again (after deleting its data when asked); Home when it opened, the new reason when not. */
    private suspend fun reopen(delete: Boolean) {
        val repo = withContext(Dispatchers.IO) { if (delete) app.deleteLocalDataAndReopen() else app.openCore() }
        if (repo == null) {
            show(app.openFailure)
            return
        }
        startActivity(Intent(this, HomeActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TASK))
        finish()
    }
}
