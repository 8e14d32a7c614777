# holyaudit-probe: backup
$parameters = '{"evidence":[]}'
# Windows Server Backup's summary (Get-WBSummary: the feature, and Administrators or Backup Operators), or why
# not; then each piece of evidence the site declared: a scheduled task's last run or a file's last write, or the
# error. Times are UTC. Read-only.
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
# In an object: PowerShell 5.1's ConvertFrom-Json does not unroll a top-level array.
$declared = @(foreach ($e in (ConvertFrom-Json -InputObject $parameters).evidence) {
    $r = [ordered]@{ kind = $e.kind; taskPath = $e.taskPath; taskName = $e.taskName; path = $e.path }
    try {
        if ($e.kind -eq 'task') {
            # No wildcards in -TaskName or -TaskPath: exactly this task.
            $i = Get-ScheduledTaskInfo -TaskName $e.taskName -TaskPath $e.taskPath
            if ($i.LastRunTime) { $r.lastRun = $i.LastRunTime.ToUniversalTime().ToString('o') }
            $r.result = [int64]$i.LastTaskResult
        } else {
            $i = Get-Item -LiteralPath $e.path -Force
            $r.lastWrite = $i.LastWriteTimeUtc.ToString('o')
            $r.folder = $i.PSIsContainer
        }
    } catch {
        $r.error = $_.Exception.Message
        $r.category = [string]$_.CategoryInfo.Category
    }
    [pscustomobject]$r
})
[pscustomobject]@{ wsbInstalled = $installed; wsb = $summary; wsbError = $summaryError; declared = $declared } |
    ConvertTo-Json -Compress -Depth 3
