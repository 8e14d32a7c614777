# holyaudit-probe: antivirus
# Microsoft Defender's status and running mode, and the anti-virus products Windows Security Center knows.
# Windows Server has no Security Center: there the query fails and products is null, with the reason. Read-only.
$ErrorActionPreference = 'Stop'
$defender = $null
try {
    $status = Get-MpComputerStatus
    $defender = [pscustomobject]@{
        AMServiceEnabled = $status.AMServiceEnabled
        AntivirusEnabled = $status.AntivirusEnabled
        RealTimeProtectionEnabled = $status.RealTimeProtectionEnabled
        AMRunningMode = $status.AMRunningMode
        AntivirusSignatureLastUpdated = $status.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o')
    }
} catch {
    $defender = $null
}
$products = $null
$productsError = $null
try {
    $products = @(Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName AntiVirusProduct | ForEach-Object {
        [pscustomobject]@{ name = $_.displayName; state = [int64]$_.productState }
    })
} catch {
    $productsError = $_.Exception.Message
}
[pscustomobject]@{ defender = $defender; products = $products; productsError = $productsError } |
    ConvertTo-Json -Compress -Depth 4
