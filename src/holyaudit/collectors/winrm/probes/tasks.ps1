# holyaudit-probe: tasks
# The scheduled tasks that shut the machine down or log users off, with their triggers. Read-only.
$ErrorActionPreference = 'Stop'
$kinds = @{
    MSFT_TaskDailyTrigger = 'Daily'; MSFT_TaskWeeklyTrigger = 'Weekly'; MSFT_TaskTimeTrigger = 'Once'
    MSFT_TaskLogonTrigger = 'Logon'; MSFT_TaskBootTrigger = 'Boot'; MSFT_TaskIdleTrigger = 'Idle'
}
function Get-TriggerValue($trigger, [string]$name) {
    if ($trigger.PSObject.Properties[$name]) { $trigger.$name } else { $null }
}
$tasks = foreach ($task in Get-ScheduledTask) {
    $actions = @($task.Actions | Where-Object { $_.Execute -match '(^|\\)"?(shutdown|logoff)(\.exe)?"?$' })
    if ($actions.Count -eq 0) { continue }
    [pscustomobject]@{
        path = $task.TaskPath
        name = $task.TaskName
        enabled = [string]$task.State -ne 'Disabled'
        actions = @($actions | ForEach-Object { [pscustomobject]@{ execute = $_.Execute; arguments = $_.Arguments } })
        triggers = @($task.Triggers | ForEach-Object {
            $kind = $kinds[$_.CimClass.CimClassName]
            $interval = Get-TriggerValue $_ 'DaysInterval'
            if ($null -eq $interval) { $interval = Get-TriggerValue $_ 'WeeksInterval' }
            [pscustomobject]@{
                kind = if ($kind) { $kind } else { 'Other' }
                start = $_.StartBoundary
                interval = $interval
                days = Get-TriggerValue $_ 'DaysOfWeek'
                enabled = [bool]$_.Enabled
            }
        })
    }
}
[pscustomobject]@{ tasks = @($tasks) } | ConvertTo-Json -Compress -Depth 5
