package dev.kairos.demo.logic

/**
 * What an offer notification carries to the offers screen: the instance to open. Each offer's tap
 * is its own pending intent ([requestCode]): Android treats intents that differ only in their
 * extras as one, and every offer would open the first.
 */
object OfferLink {
    /** The intent extra holding the offer instance's id (a Long). */
    const val EXTRA_OFFER = "dev.kairos.demo.offer"

    /** The pending intent's request code for [instanceId]'s tap. */
    fun requestCode(instanceId: Long): Int = instanceId.toInt()

    /** The instance an intent's [extra] names (`getLongExtra(EXTRA_OFFER, -1)`), or null for none. */
    fun instanceId(extra: Long): Long? = extra.takeIf { it >= 0 }
}
