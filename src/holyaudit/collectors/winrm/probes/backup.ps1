# holyaudit-probe: backup
# Windows Server Backup's summary of the backups on this machine, when its cmdlets are installed: Get-WBSummary
# comes with the Windows Server Backup feature and needs Administrators or Backup Operators. Without the feature
# it says so (installed false); when Get-WBSummary fails, its reason is reported. Times are UTC. Read-only.
$ErrorActionPreference = 'Stop'
$installed = $null -ne (Get-Command -Name Get-WBSummary -ErrorAction SilentlyContinue)
$summary = $null
$summaryError = $null
if ($installed) {
    try {
        $wb = Get-WBSummary
        $summary = [pscustomobject]@{
            lastSuccess = $wb.LastSuccessfulBackupTime.ToUniversalTime().ToString('o')
            lastBackup = $wb.LastBackupTime.ToUniversalTime().ToString('o')
            lastResult = [int]$wb.LastBackupResultHR
            versions = [int]$wb.NumberOfVersions
        }
    } catch {
        $summaryError = $_.Exception.Message
    }
}
[pscustomobject]@{ wsbInstalled = $installed; wsb = $summary; wsbError = $summaryError } | ConvertTo-Json -Compress -Depth 3
