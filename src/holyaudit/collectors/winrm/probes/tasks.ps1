# holyaudit-probe: tasks
# Tasks that shut down or log off: actions, principal, battery settings, triggers. Read-only.
# A task that cannot be read is reported with its error.
$ErrorActionPreference = 'Stop'
$kinds = @{
    MSFT_TaskDailyTrigger = 'Daily'; MSFT_TaskWeeklyTrigger = 'Weekly'; MSFT_TaskTimeTrigger = 'Once'
    MSFT_TaskLogonTrigger = 'Logon'; MSFT_TaskBootTrigger = 'Boot'; MSFT_TaskIdleTrigger = 'Idle'
}
function Get-Value($t, [string]$name) {
    if ($t.PSObject.Properties[$name]) { $t.$name } else { $null }
}
$tasks = foreach ($task in Get-ScheduledTask) {
    $actions = @($task.Actions | Where-Object { $_.Execute -match '(^|\\)"?(shutdown|logoff)(\.exe)?"?$' })
    if ($actions.Count -eq 0) { continue }
    try {
        $s = $task.Settings
        [pscustomobject]@{
            path = $task.TaskPath
            name = $task.TaskName
            enabled = ([string]$task.State -ne 'Disabled') -and [bool]$s.Enabled
            userId = $task.Principal.UserId
            groupId = $task.Principal.GroupId
            disallowStartOnBatteries = $s.DisallowStartIfOnBatteries
            stopOnBatteries = $s.StopIfGoingOnBatteries
            actions = @($actions | ForEach-Object { [pscustomobject]@{ execute = $_.Execute; arguments = $_.Arguments } })
            # no triggers: Triggers is null
            triggers = @($task.Triggers | Where-Object { $null -ne $_ } | ForEach-Object {
                $kind = $kinds[[string]$_.CimClass.CimClassName]
                $interval = Get-Value $_ 'DaysInterval'
                if ($null -eq $interval) { $interval = Get-Value $_ 'WeeksInterval' }
                [pscustomobject]@{
                    kind = if ($kind) { $kind } else { 'Other' }
                    start = $_.StartBoundary
                    end = $_.EndBoundary
                    randomDelay = Get-Value $_ 'RandomDelay'
                    interval = $interval
                    days = Get-Value $_ 'DaysOfWeek'
                    enabled = [bool]$_.Enabled
                }
            })
        }
    } catch {
        [pscustomobject]@{ path = $task.TaskPath; name = $task.TaskName; error = $_.Exception.Message }
    }
}
[pscustomobject]@{ tasks = @($tasks) } | ConvertTo-Json -Compress -Depth 5
