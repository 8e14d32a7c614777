# holyaudit-probe: system
# The operating system, the chassis, the machine inactivity limit and automatic log-on.
# Read-only. The Winlogon DefaultPassword value is looked for by name; its value is never read.
$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$enclosure = Get-CimInstance -ClassName Win32_SystemEnclosure | Select-Object -First 1
$policies = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' -ErrorAction SilentlyContinue
$winlogon = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon' -ErrorAction SilentlyContinue
$inactivity = $null
if ($policies) { $inactivity = $policies.GetValue('InactivityTimeoutSecs') }
$autoAdminLogon = $null
$defaultPassword = $null  # the key exists on every Windows machine: not found means it could not be read
if ($winlogon) {
    $autoAdminLogon = $winlogon.GetValue('AutoAdminLogon')
    $defaultPassword = $winlogon.GetValueNames() -contains 'DefaultPassword'
}
[pscustomobject]@{
    os = $os.Caption
    build = $os.BuildNumber
    chassis = @($enclosure.ChassisTypes | ForEach-Object { [int]$_ })
    inactivitySecs = $inactivity
    autoAdminLogon = $autoAdminLogon
    defaultPassword = $defaultPassword
} | ConvertTo-Json -Compress -Depth 4
