# holyaudit-probe: bitlocker
# Each volume's BitLocker state (Get-BitLockerVolume: needs an administrator; a failure is reported, a volume's
# error kept), with its drive letter's Win32_LogicalDisk DriveType (2 removable, 3 fixed; null if unread): VolumeType
# is "Data" for both. Then the OS-drive encryption policies received: MDM's RequireDeviceEncryption and MBAM's
# ShouldEncryptOSDrive; a missing key is null, an unreadable one policyError. Read-only.
$ErrorActionPreference = 'Stop'
function Read-PolicyValue([string]$path, [string]$name) {
    try {
        $key = Get-Item -LiteralPath $path
    } catch {
        if ($_.FullyQualifiedErrorId -like 'PathNotFound*') { return $null }
        throw
    }
    $key.GetValue($name)
}
$policy = $null
$policyError = $null
try {
    $policy = [pscustomobject]@{
        mdmRequireDeviceEncryption = Read-PolicyValue 'HKLM:\SOFTWARE\Microsoft\PolicyManager\current\device\BitLocker' 'RequireDeviceEncryption'
        mbamShouldEncryptOSDrive = Read-PolicyValue 'HKLM:\SOFTWARE\Policies\Microsoft\FVE\MDOPBitLockerManagement' 'ShouldEncryptOSDrive'
    }
} catch {
    $policyError = $_.Exception.Message
}
$driveTypes = @{}
Get-CimInstance -ClassName Win32_LogicalDisk -ErrorAction SilentlyContinue | ForEach-Object { $driveTypes[[string]$_.DeviceID] = [int]$_.DriveType }
try {
    $failures = @()
    $volumes = @(Get-BitLockerVolume -ErrorAction SilentlyContinue -ErrorVariable failures | ForEach-Object {
        [pscustomobject]@{
            mount = $_.MountPoint
            type = [string]$_.VolumeType
            protection = [string]$_.ProtectionStatus
            status = [string]$_.VolumeStatus
            percent = [double]$_.EncryptionPercentage
            lock = [string]$_.LockStatus
            driveType = $driveTypes[[string]$_.MountPoint]
        }
    })
    $errors = @($failures | ForEach-Object { [pscustomobject]@{ target = [string]$_.TargetObject; message = $_.Exception.Message } })
    [pscustomobject]@{ volumes = $volumes; errors = $errors; policy = $policy; policyError = $policyError } | ConvertTo-Json -Compress -Depth 4
} catch {
    [pscustomobject]@{ error = $_.Exception.Message; policy = $policy; policyError = $policyError } | ConvertTo-Json -Compress -Depth 4
}
