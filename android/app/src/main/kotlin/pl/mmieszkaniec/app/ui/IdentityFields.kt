package pl.mmieszkaniec.app.ui

import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Spinner
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.app.state.SmsStep
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.Locality

/**
 * The identity form, one for the budget's ballot and a per-person
 * consultation: the names, then PESEL or the address (a locality of the
 * gmina from a list, street, house, flat) as the core says the edition or
 * consultation asks, and the SMS step (phone, "Wyślij kod SMS", the code)
 * when it asks for a code. Each field is labelled (`labelFor`, read by
 * TalkBack on the field) and 48 dp tall. What is typed stays in the views
 * until the screen reads it ([read], [text]) for its state holder, which
 * sends it to the core; the core checks it (`invalid_identity` names the
 * field). Views are identified by [prefix] ("budget", "survey-identity").
 */
class IdentityFields(private val screen: ScreenActivity, private val prefix: String) {

    private fun id(key: String): Int = stableId("$prefix-$key")

    /** The names, then the fields of [mode]. */
    fun build(
        b: Section.Builder,
        mode: BudgetIdentityMode,
        localities: List<Locality>,
        chosen: Long?,
        onLocality: (Long?) -> Unit,
    ) {
        val name = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME or InputType.TYPE_TEXT_FLAG_CAP_WORDS
        field(b, "first-name", Texts.FIRST_NAME, name)
        field(b, "last-name", Texts.LAST_NAME, name)
        when (mode) {
            BudgetIdentityMode.PESEL -> field(b, "pesel", Texts.PESEL, InputType.TYPE_CLASS_NUMBER)
            BudgetIdentityMode.NAME_ADDRESS -> {
                locality(b, localities, chosen, onLocality)
                field(b, "street", Texts.STREET, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_POSTAL_ADDRESS)
                field(b, "house", Texts.HOUSE, InputType.TYPE_CLASS_TEXT)
                field(b, "flat", Texts.FLAT, InputType.TYPE_CLASS_TEXT)
            }
        }
    }

    /** The phone, "Wyślij kod SMS" ([onRequest] after the fields are read), then the code once one was sent. */
    fun sms(b: Section.Builder, sms: SmsStep, onRequest: () -> Unit) {
        field(b, "phone", Texts.PHONE, InputType.TYPE_CLASS_PHONE)
        sms.error?.let { b.error(it, key = "sms-error") }
        b.button(if (sms.requesting) screen.t(Texts.SENDING_SMS) else screen.t(Texts.SEND_SMS), key = "send-sms", enabled = !sms.requesting) {
            onRequest()
        }
        if (sms.requestId != null) {
            b.body(screen.t(Texts.SMS_SENT), key = "sms-sent", live = true)
            field(b, "sms-code", Texts.SMS_CODE, InputType.TYPE_CLASS_NUMBER)
        }
    }

    /** The declaration of living in the gmina (an edition's setting), ticked as the state says; [onChange] with the tick. */
    fun residence(b: Section.Builder, declared: Boolean, onChange: (Boolean) -> Unit) {
        b.view("residence", "residence", {
            CheckBox(screen).apply {
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                setTextColor(Palette.TEXT)
                minimumHeight = screen.dp(48)
                id = id("residence")
            }
        }) { box ->
            box.setTextIfChanged(screen.t(Texts.RESIDENCE))
            if (box.isChecked != declared) {
                box.isChecked = declared
                box.jumpDrawablesToCurrentState()
            }
            box.setOnClickListener { onChange(box.isChecked) }
        }
    }

    /** A labelled text field; what is typed stays in the view until the screen reads it. */
    fun field(b: Section.Builder, key: String, label: Text, type: Int) {
        val fieldId = id(key)
        b.view("label", "$key-label", { screen.body(screen.t(label)).apply { labelFor = fieldId } }) {
            it.setTextIfChanged(screen.t(label))
        }
        b.view("field", key, {
            EditText(screen).apply {
                inputType = type
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
                minimumHeight = screen.dp(48)
                id = fieldId
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)
            }
        })
    }

    private fun locality(b: Section.Builder, localities: List<Locality>, chosen: Long?, onLocality: (Long?) -> Unit) {
        val fieldId = id("locality")
        b.view("label", "locality-label", { screen.body(screen.t(Texts.LOCALITY)).apply { labelFor = fieldId } })
        b.view("spinner", "locality", {
            Spinner(screen).apply {
                id = fieldId
                minimumHeight = screen.dp(48)
                contentDescription = screen.t(Texts.LOCALITY)
            }
        }) { spinner ->
            val names = localities.map { it.name }
            @Suppress("UNCHECKED_CAST")
            val current = (spinner.adapter as? ArrayAdapter<String>)?.let { a -> (0 until a.count).map { a.getItem(it) } }
            if (current != names) {
                spinner.adapter = ArrayAdapter(screen, android.R.layout.simple_spinner_dropdown_item, names)
            }
            val at = localities.indexOfFirst { it.id == chosen }
            if (at >= 0 && spinner.selectedItemPosition != at) spinner.setSelection(at)
            spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
                override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                    onLocality(localities.getOrNull(position)?.id)
                }

                override fun onNothingSelected(parent: AdapterView<*>?) = Unit
            }
        }
    }

    /** What the field [key] holds now (empty when not shown). */
    fun text(key: String): String = screen.findViewById<EditText>(id(key))?.text?.toString().orEmpty()

    /** Sets the field [key] (emptied once the core took what was typed). */
    fun setText(key: String, value: String) {
        screen.findViewById<EditText>(id(key))?.setText(value)
    }

    /** What the fields hold now (a field not asked for reads as empty). */
    fun read(form: IdentityForm, localities: List<Locality>): IdentityForm = form.copy(
        firstName = text("first-name"),
        lastName = text("last-name"),
        pesel = text("pesel"),
        locality = screen.findViewById<Spinner>(id("locality"))?.selectedItemPosition
            ?.let { localities.getOrNull(it)?.id } ?: form.locality,
        street = text("street"),
        house = text("house"),
        flat = text("flat"),
        phone = text("phone"),
    )
}
