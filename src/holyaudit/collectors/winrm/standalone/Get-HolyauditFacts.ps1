<#
.SYNOPSIS
    holyaudit endpoint facts: run holyaudit's read-only probes on this machine and write <COMPUTERNAME>.json.
.DESCRIPTION
    For machines holyaudit cannot reach over WinRM. Run as SYSTEM by a Group Policy computer startup script or a
    scheduled task (docs/endpoints.md). Each probe below is the script holyaudit sends over WinRM, unchanged, and
    what it prints is recorded unchanged; holyaudit reads the file as it reads a WinRM answer. The file also says
    on which machine and when it was produced, and by which version of this script. Nothing is changed on the
    machine; the only thing written is the one file in the Destination folder.
.PARAMETER Destination
    The folder the file is written to, for example \\server\holyaudit-facts$.
#>
param([string]$Destination)
$ErrorActionPreference = 'Stop'
if (-not $Destination) { throw 'Get-HolyauditFacts: give -Destination, the folder to write the facts file to' }
$scriptVersion = '@VERSION@'
$probes = [ordered]@{}
@PROBES@
$outputs = [ordered]@{}
foreach ($name in $probes.Keys) {
    # Each probe runs in its own scope, as in its own WinRM command: its settings and functions stay inside it.
    try {
        $outputs[$name] = [ordered]@{ output = (@(& $probes[$name]) -join "`n") }
    } catch {
        $outputs[$name] = [ordered]@{ error = $_.Exception.Message }
    }
}
# The machine's DNS name, which holyaudit compares with the audited computer's; null if it cannot be read.
$dnsName = $null
try {
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem
    $dnsName = $computer.DNSHostName
    if ($computer.PartOfDomain) { $dnsName = "$($computer.DNSHostName).$($computer.Domain)" }
} catch {
    $dnsName = $null
}
$facts = [ordered]@{
    format = 'holyaudit-endpoint-facts'
    formatVersion = 1
    computer = $env:COMPUTERNAME
    dnsName = $dnsName
    producedAt = [DateTime]::UtcNow.ToString('o')
    scriptVersion = $scriptVersion
    probes = $outputs
}
$json = $facts | ConvertTo-Json -Compress -Depth 4
$path = Join-Path -Path $Destination -ChildPath "$($env:COMPUTERNAME).json"
[System.IO.File]::WriteAllText($path, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
