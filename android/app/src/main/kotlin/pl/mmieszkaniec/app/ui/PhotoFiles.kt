package pl.mmieszkaniec.app.ui

import android.graphics.Bitmap
import android.graphics.BitmapFactory

/**
 * A photo file the core keeps (a budget project's) decoded for the screen:
 * sampled down by powers of two until its long edge is under twice
 * [maxEdge] px, so a 2048 px photo on a 1080 px screen takes a quarter of
 * its full memory. Null when the file is no image.
 */
fun decodeDownsampled(path: String, maxEdge: Int): Bitmap? = downsampled(maxEdge) { BitmapFactory.decodeFile(path, it) }

/** A photo as picked, in memory (a proposal's before it is sent), the same way. */
fun decodeDownsampled(bytes: ByteArray, maxEdge: Int): Bitmap? =
    downsampled(maxEdge) { BitmapFactory.decodeByteArray(bytes, 0, bytes.size, it) }

private fun downsampled(maxEdge: Int, decode: (BitmapFactory.Options) -> Bitmap?): Bitmap? {
    val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
    decode(bounds)
    val edge = maxOf(bounds.outWidth, bounds.outHeight)
    if (edge <= 0) return null
    var sample = 1
    while (edge / (sample * 2) >= maxEdge.coerceAtLeast(1)) sample *= 2
    return decode(BitmapFactory.Options().apply { inSampleSize = sample })
}
