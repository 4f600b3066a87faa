package pl.mmieszkaniec.app

import pl.mmieszkaniec.core.InternalException
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.internalErrorMessage

/**
 * What a screen shows when something failed: the core's stable [code]
 * (screens branch on it, e.g. `network` offers "try again") and its text,
 * Polish first. Never the exception's detail, which is for logs.
 */
data class UserError(
    val code: String,
    val messagePl: String,
    val messageEn: String,
    /** The input that was wrong (`point`, `answers.kind`, …), when one was. */
    val field: String? = null,
) {
    /** The text for the resident's language (Polish unless English). */
    fun message(language: String = "pl"): String = if (language == "en") messageEn else messagePl

    companion object {
        /** The core's words for a failure that came without an [MmException] (a panic). */
        val INTERNAL: UserError by lazy {
            internalErrorMessage().let { UserError(it.code, it.messagePl, it.messageEn) }
        }
    }
}

/** The stable code of any core error. */
val MmException.code: String
    get() = when (this) {
        is MmException.Network -> code
        is MmException.Server -> code
        is MmException.InvalidInput -> code
        is MmException.NotFound -> code
        is MmException.Storage -> code
        is MmException.InvalidServerUrl -> code
        is MmException.GminaNotChosen -> code
        is MmException.ActivationLocked -> code
        is MmException.TaxesNotLinked -> code
        is MmException.Internal -> code
    }

fun MmException.toUserError(): UserError = when (this) {
    is MmException.Network -> UserError(code, messagePl, messageEn)
    is MmException.Server -> UserError(code, messagePl, messageEn, field)
    is MmException.InvalidInput -> UserError(code, messagePl, messageEn, field)
    is MmException.NotFound -> UserError(code, messagePl, messageEn)
    is MmException.Storage -> UserError(code, messagePl, messageEn)
    is MmException.InvalidServerUrl -> UserError(code, messagePl, messageEn)
    is MmException.GminaNotChosen -> UserError(code, messagePl, messageEn)
    // The minutes to wait are in the core's message already.
    is MmException.ActivationLocked -> UserError(code, messagePl, messageEn)
    is MmException.TaxesNotLinked -> UserError(code, messagePl, messageEn)
    is MmException.Internal -> UserError(code, messagePl, messageEn)
}

/**
 * Any failure as a [UserError]. A Rust panic arrives as UniFFI's
 * [InternalException]; anything else unexpected is `internal` too.
 */
fun Throwable.toUserError(): UserError = when (this) {
    is MmException -> toUserError()
    is InternalException -> UserError.INTERNAL
    else -> UserError.INTERNAL
}
