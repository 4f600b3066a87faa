//! The printable confirmation of a paid payment, and the page the gateway
//! sends the payer back to. The receipt names the gmina, the liability
//! (its transfer title), the amount, the day, the gateway's order id and
//! our payment id; never a PESEL, and only the device that paid reads it.
//! No script or style from elsewhere: printable as it is.

use mm_protocol::taxes::PaymentStatus;

use super::{escape_html, format_zloty};
use crate::store::taxes::{PaymentRecord, payment_day};

/// `title`: the liability's transfer title, when the device still sees it.
pub fn receipt_html(gmina: &str, title: Option<&str>, p: &PaymentRecord) -> String {
    let day = p.paid_at.map(|t| payment_day(t).format("%d.%m.%Y").to_string()).unwrap_or_default();
    let time = p
        .paid_at
        .map(|t| t.with_timezone(&mm_protocol::LOCAL_TZ).format("%H:%M").to_string())
        .unwrap_or_default();
    let order = p.gateway_order_id.map(|o| o.to_string()).unwrap_or_default();
    let provider = if p.provider == "sandbox" { "Przelewy24 (piaskownica — bez pieniędzy)" } else { "Przelewy24" };
    format!(
        "<!doctype html>\n<html lang=\"pl\"><head><meta charset=\"utf-8\"><title>Potwierdzenie płatności</title></head><body>\n\
         <h1>Potwierdzenie płatności</h1>\n\
         <p>Odbiorca: <strong>Gmina {gmina}</strong></p>\n\
         <table>\n\
         <tr><th scope=\"row\">Tytuł</th><td>{title}</td></tr>\n\
         <tr><th scope=\"row\">Kwota</th><td>{amount}</td></tr>\n\
         <tr><th scope=\"row\">Data zapłaty</th><td>{day} {time}</td></tr>\n\
         <tr><th scope=\"row\">Operator płatności</th><td>{provider}</td></tr>\n\
         <tr><th scope=\"row\">Numer transakcji operatora</th><td>{order}</td></tr>\n\
         <tr><th scope=\"row\">Identyfikator płatności</th><td>{id}</td></tr>\n\
         <tr><th scope=\"row\">Zaksięgowana przez urząd</th><td>{booked}</td></tr>\n\
         </table>\n\
         <p>Dniem zapłaty jest dzień obciążenia rachunku płatnika przez operatora (art. 60 § 1 pkt 2 Ordynacji podatkowej).</p>\n\
         </body></html>\n",
        gmina = escape_html(gmina),
        title = escape_html(title.unwrap_or("—")),
        amount = escape_html(&format_zloty(p.amount_grosze)),
        day = day,
        time = time,
        provider = provider,
        order = escape_html(&order),
        id = escape_html(&p.id),
        booked = if p.booked { "tak" } else { "jeszcze nie (urząd księguje wpłaty z opóźnieniem)" },
    )
}

/// The payer's return page: the status only.
pub fn return_html(status: Option<PaymentStatus>) -> String {
    let (pl, en) = match status {
        Some(PaymentStatus::Paid) => ("Płatność przyjęta. Dziękujemy!", "Payment received. Thank you!"),
        Some(PaymentStatus::Pending) => (
            "Czekamy na potwierdzenie od operatora płatności. Stan płatności zobaczysz w aplikacji.",
            "Waiting for the payment operator's confirmation. The app shows the payment's state.",
        ),
        Some(PaymentStatus::Failed) => ("Płatność nie powiodła się.", "The payment failed."),
        Some(PaymentStatus::Expired) => ("Czas na płatność minął.", "The time to pay has run out."),
        None => ("Nie znaleziono płatności.", "No such payment."),
    };
    format!(
        "<!doctype html>\n<html lang=\"pl\"><head><meta charset=\"utf-8\"><title>Płatność</title></head><body>\n\
         <h1>{pl}</h1>\n<p lang=\"en\">{en}</p>\n<p>Możesz wrócić do aplikacji mMieszkaniec.</p>\n</body></html>\n"
    )
}
