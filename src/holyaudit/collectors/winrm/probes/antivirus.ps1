# holyaudit-probe: antivirus
# Microsoft Defender's status, and the anti-virus products Windows Security Center knows (workstations only;
# servers have no Security Center, so the list is empty there). Read-only.
$ErrorActionPreference = 'Stop'
$defender = $null
try {
    $status = Get-MpComputerStatus
    $defender = [pscustomobject]@{
        AMServiceEnabled = $status.AMServiceEnabled
        AntivirusEnabled = $status.AntivirusEnabled
        RealTimeProtectionEnabled = $status.RealTimeProtectionEnabled
        AntivirusSignatureLastUpdated = $status.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o')
    }
} catch {
    $defender = $null
}
$products = @()
try {
    $products = @(Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName AntiVirusProduct | ForEach-Object {
        [pscustomobject]@{ name = $_.displayName; state = [int]$_.productState; timestamp = $_.timestamp }
    })
} catch {
    $products = @()
}
[pscustomobject]@{ defender = $defender; products = $products } | ConvertTo-Json -Compress -Depth 4
