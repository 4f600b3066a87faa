package pl.mmieszkaniec.app.ui

import android.content.ClipData
import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.content.Intent
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import java.io.File
import java.io.FileNotFoundException

/**
 * The app's own files handed to another app for one task, under
 * `content://pl.mmieszkaniec.app.files/`: a framework ContentProvider
 * instead of AndroidX's FileProvider (not on Maven Central).
 *
 * - `capture/<name>.jpg`: where the camera app writes a photo for a report
 *   (writable). The photo stays in the app's cache, never in the shared
 *   gallery: no WRITE_EXTERNAL_STORAGE on Android 9, and the camera's GPS
 *   EXIF never reaches a cloud-backup app before the core strips it.
 * - `share/<name>.ics`: an event shared as a file (read-only).
 *
 * Not exported: another app gets a single URI through the intent's
 * `FLAG_GRANT_*_URI_PERMISSION`, and nothing else.
 */
class AppFiles : ContentProvider() {
    override fun onCreate(): Boolean = true

    private fun file(uri: Uri): Pair<String, File> {
        val segments = uri.pathSegments
        if (uri.authority != AUTHORITY || segments.size != 2) throw FileNotFoundException("$uri")
        val (area, name) = segments
        if (area !in AREAS || !SAFE_NAME.matches(name)) throw FileNotFoundException("$uri")
        return area to File(File(checkNotNull(context).cacheDir, area), name)
    }

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val (area, f) = file(uri)
        val writing = mode != "r"
        if (writing && area != CAPTURE) throw SecurityException("$area is read-only")
        f.parentFile?.mkdirs()
        return ParcelFileDescriptor.open(f, ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri): String? = when (uri.lastPathSegment?.substringAfterLast('.', "")) {
        "jpg" -> "image/jpeg"
        "ics" -> "text/calendar"
        else -> null
    }

    /** Name and size, as apps receiving a shared file ask (OpenableColumns). */
    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor {
        val (_, f) = file(uri)
        val columns = projection ?: arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        return MatrixCursor(columns, 1).apply {
            addRow(columns.map { c -> if (c == OpenableColumns.SIZE) f.length() else if (c == OpenableColumns.DISPLAY_NAME) f.name else null })
        }
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0
    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int =
        if (runCatching { file(uri).second.delete() }.getOrDefault(false)) 1 else 0

    companion object {
        const val AUTHORITY = "pl.mmieszkaniec.app.files"
        const val CAPTURE = "capture"
        const val SHARE = "share"
        private val AREAS = setOf(CAPTURE, SHARE)
        private val SAFE_NAME = Regex("[A-Za-z0-9_-]{1,64}\\.(jpg|ics)")

        fun uri(area: String, name: String): Uri = Uri.Builder().scheme("content").authority(AUTHORITY).appendPath(area).appendPath(name).build()

        /** The file behind [uri] in this app (to read a capture back). */
        fun fileOf(context: Context, area: String, name: String): File = File(File(context.cacheDir, area), name)

        /** Writes [text] to `share/<name>` and returns its URI. */
        fun share(context: Context, name: String, text: String): Uri {
            val f = fileOf(context, SHARE, name)
            f.parentFile?.mkdirs()
            f.writeText(text)
            return uri(SHARE, name)
        }

        /** Grants [uri] to whichever app handles [intent] (ClipData carries the grant through a chooser). */
        fun grant(intent: Intent, uri: Uri, write: Boolean): Intent = intent.apply {
            clipData = ClipData.newRawUri("", uri)
            addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION or if (write) Intent.FLAG_GRANT_WRITE_URI_PERMISSION else 0)
        }
    }
}
