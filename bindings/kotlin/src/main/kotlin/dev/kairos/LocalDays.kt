package dev.kairos

import java.time.LocalDate

/** This day as a `java.time.LocalDate` (API 26+, or with core library desugaring). */
fun LocalDay.toLocalDate(): LocalDate = LocalDate.of(year, month, day)

/** This date as the engine's [LocalDay]. */
fun LocalDate.toLocalDay(): LocalDay = LocalDay(year, monthValue, dayOfMonth)
