// The generated bindings mark their use of GlobalScope with kotlinx.coroutines'
// @DelicateCoroutinesApi (1.5 and later). The distribution's kotlinx-coroutines is older and lacks
// the annotation, so the test build declares it; an app builds against a current kotlinx-coroutines
// and does not need this file.
package kotlinx.coroutines

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
@Retention(AnnotationRetention.BINARY)
annotation class DelicateCoroutinesApi
