package pl.mmieszkaniec.app.screens

import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.ComponentName
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Color
import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.ui.Outbox
import pl.mmieszkaniec.app.ui.OutboxJobService
import pl.mmieszkaniec.app.ui.PhotoPicker
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.MyReportState
import pl.mmieszkaniec.core.ReportDraftUpdate
import java.io.ByteArrayOutputStream
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * A photo in a format the core does not take (WebP here; HEIF, what most
 * phones' cameras write, is decoded the same way by ImageDecoder) is
 * re-encoded as JPEG before it reaches the core; JPEG and PNG pass as they are.
 */
class PhotoFormatTest : ScreenTest() {

    @Test
    fun `a photo in another format is re-encoded as JPEG, JPEG and PNG pass unchanged`() {
        val bitmap = Bitmap.createBitmap(640, 480, Bitmap.Config.ARGB_8888).apply { eraseColor(Color.rgb(0x1E, 0x2A, 0x44)) }
        fun encode(format: Bitmap.CompressFormat) = ByteArrayOutputStream().use { check(bitmap.compress(format, 90, it)); it.toByteArray() }
        val jpeg = encode(Bitmap.CompressFormat.JPEG)
        val png = encode(Bitmap.CompressFormat.PNG)
        @Suppress("DEPRECATION")
        val webp = encode(Bitmap.CompressFormat.WEBP)

        assertTrue(jpeg.contentEquals(PhotoPicker.asJpegOrPng(jpeg)))
        assertTrue(png.contentEquals(PhotoPicker.asJpegOrPng(png)))
        val converted = assertNotNull(PhotoPicker.asJpegOrPng(webp), "WebP decoded by the platform")
        assertEquals(0xFF.toByte(), converted[0])
        assertEquals(0xD8.toByte(), converted[1])
        val back = assertNotNull(BitmapFactory.decodeByteArray(converted, 0, converted.size))
        assertEquals(640 to 480, back.width to back.height)
        // And the core takes it: a draft accepts the converted photo.
        runBlocking {
            app.repository.sync()
            val d = app.repository.createReportDraft("street_lamp")
            app.repository.addReportPhoto(d.id, converted)
            assertEquals(1, app.repository.reportDraft(d.id).photos.size)
        }
        // Not an image at all: null, so the screen says it could not read it.
        assertEquals(null, PhotoPicker.asJpegOrPng("not a photo".toByteArray()))
    }
}
