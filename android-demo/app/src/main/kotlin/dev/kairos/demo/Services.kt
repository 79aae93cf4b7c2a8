package dev.kairos.demo

import android.content.Context

/** A system service every supported device has (the framework declares them nullable). */
inline fun <reified T : Any> Context.service(): T =
    checkNotNull(getSystemService(T::class.java)) { "no ${T::class.java.simpleName} on this device" }
