// Checkout helper of the FICTITIOUS demo site (cointrail demo). Generated address.
const LEGACY_FALLBACK = "mmPj8BagVJmPUxFgyKuVery2zm5y8UTz4K"; // old Bitcoin testnet wallet
function payTo(plan) {
  return plan === "btc-legacy" ? LEGACY_FALLBACK : null;
}
