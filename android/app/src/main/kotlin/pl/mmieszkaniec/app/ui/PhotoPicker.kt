package pl.mmieszkaniec.app.ui

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.ImageDecoder
import android.net.Uri
import android.os.Bundle
import android.provider.MediaStore
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer

/**
 * A form's photos from the camera or the gallery (a report's, a budget
 * proposal's): the screen calls [takePhoto] / [fromGallery], saves and
 * restores the camera's file name with its state, and hands its activity
 * results to [onActivityResult], which gives back the photo's reader.
 *
 * The camera writes into a file in this app's cache, shared through
 * [AppFiles] for the capture only: nothing lands in the gallery (the
 * camera's GPS EXIF included), no storage permission on any version; the
 * core strips the metadata before anything is sent.
 */
class PhotoPicker(private val screen: ScreenActivity, private val namePrefix: String) {
    private var cameraFile: String? = null

    fun restore(savedInstanceState: Bundle?) {
        cameraFile = savedInstanceState?.getString(STATE_CAMERA_FILE)
    }

    fun save(outState: Bundle) {
        cameraFile?.let { outState.putString(STATE_CAMERA_FILE, it) }
    }

    fun takePhoto() {
        val name = "$namePrefix-${System.currentTimeMillis()}.jpg"
        val uri = AppFiles.uri(AppFiles.CAPTURE, name)
        val intent = AppFiles.grant(Intent(MediaStore.ACTION_IMAGE_CAPTURE).putExtra(MediaStore.EXTRA_OUTPUT, uri), uri, write = true)
        cameraFile = name
        try {
            @Suppress("DEPRECATION")
            screen.startActivityForResult(intent, REQUEST_CAMERA)
            screen.showProblem(null)
        } catch (_: ActivityNotFoundException) {
            cameraFile = null
            screen.showProblem(Texts.NO_CAMERA)
        }
    }

    fun fromGallery() {
        val pick = Intent(Intent.ACTION_GET_CONTENT).setType("image/*").addCategory(Intent.CATEGORY_OPENABLE)
        @Suppress("DEPRECATION")
        screen.startActivityForResult(pick, REQUEST_GALLERY)
    }

    /**
     * A result of the camera or the gallery: the reader of its photo (run
     * it in the screen's scope: it reads off the main thread and gives JPEG
     * or PNG bytes, null when unreadable). Null: not the picker's result,
     * or cancelled (a cancelled capture's file is deleted).
     */
    fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?): (suspend () -> ByteArray?)? {
        val read: () -> ByteArray? = when (requestCode) {
            REQUEST_CAMERA -> {
                val f = cameraFile?.let { AppFiles.fileOf(screen, AppFiles.CAPTURE, it) }
                cameraFile = null
                if (f == null) return null
                if (resultCode != Activity.RESULT_OK) {
                    f.delete()
                    return null
                }
                { runCatching { f.readBytes() }.getOrNull().also { f.delete() } }
            }
            REQUEST_GALLERY -> {
                val uri: Uri = data?.data ?: return null
                if (resultCode != Activity.RESULT_OK) return null
                { runCatching { screen.contentResolver.openInputStream(uri)?.use { it.readBytes() } }.getOrNull() }
            }
            else -> return null
        }
        return { withContext(Dispatchers.IO) { read()?.let(::asJpegOrPng) } }
    }

    companion object {
        private const val STATE_CAMERA_FILE = "camera_file"
        private const val REQUEST_CAMERA = 2
        private const val REQUEST_GALLERY = 3

        /**
         * The core takes JPEG and PNG. Whatever else the camera or the
         * gallery gives (HEIF/HEIC on many phones, WebP, AVIF) is decoded by
         * the platform ([ImageDecoder], API 28) and re-encoded as JPEG;
         * null when the platform cannot decode it either.
         */
        fun asJpegOrPng(bytes: ByteArray): ByteArray? {
            val jpeg = bytes.size > 3 && bytes[0] == 0xFF.toByte() && bytes[1] == 0xD8.toByte() && bytes[2] == 0xFF.toByte()
            val png = bytes.size > 8 && bytes[0] == 0x89.toByte() && bytes[1] == 'P'.code.toByte() && bytes[2] == 'N'.code.toByte()
            if (jpeg || png) return bytes
            val bitmap = runCatching {
                ImageDecoder.decodeBitmap(ImageDecoder.createSource(ByteBuffer.wrap(bytes))) { decoder, _, _ ->
                    // A software bitmap: hardware ones cannot be compressed.
                    decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE
                }
            }.getOrNull() ?: return null
            return ByteArrayOutputStream().use { out ->
                if (!bitmap.compress(Bitmap.CompressFormat.JPEG, 90, out)) return null
                bitmap.recycle()
                out.toByteArray()
            }
        }
    }
}
